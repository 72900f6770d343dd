import { describe, expect, it } from 'vitest';
import { documentShape, extractItems, type ExtractedItems, type NotAudit } from './extract-items.js';

function items(result: ExtractedItems | NotAudit): ExtractedItems {
  if ('notAudit' in result) throw new Error(`expected items, got notAudit: ${result.notAudit}`);
  return result;
}

function notAudit(result: ExtractedItems | NotAudit): string {
  if (!('notAudit' in result)) throw new Error('expected notAudit');
  return result.notAudit;
}

const ev = (verb: string) => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb, requestURI: `/api/${verb}` });

describe('documentShape', () => {
  it('recognises every audit shape', () => {
    expect(documentShape(ev('get'))).toBe('event');
    expect(documentShape({ kind: 0 })).toBe('event');
    expect(documentShape({ auditID: 'x' })).toBe('event');
    expect(documentShape({ verb: 'get', items: [] })).toBe('event');
    expect(documentShape({ kind: 'EventList', items: [] })).toBe('event-list');
    expect(documentShape({ kind: 'EventList' })).toBe('event-list');
    expect(documentShape({ items: [ev('get')] })).toBe('event-list');
    expect(documentShape([ev('get')])).toBe('array');
    expect(documentShape({ records: [] })).toBe('records');
    expect(documentShape({ category: 'kube-audit', properties: { log: '{}' } })).toBe('record');
  });

  it('finds no audit shape in other JSON', () => {
    expect(documentShape({ hello: 1 })).toBeUndefined();
    expect(documentShape(42)).toBeUndefined();
    expect(documentShape('Event')).toBeUndefined();
    expect(documentShape(null)).toBeUndefined();
    expect(documentShape({ kind: 'Pod', apiVersion: 'v1', metadata: {} })).toBeUndefined();
    expect(documentShape({ kind: 'PodList', items: [] })).toBeUndefined();
  });
});

describe('extractItems', () => {
  it('returns the items of an EventList as they are', () => {
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev('get'), { bad: true }] };
    const out = items(extractItems(list));
    expect(out.items).toBe(list.items);
    expect(out.rejected).toEqual([]);
    expect(out.indexes).toBeUndefined();
  });

  it('wraps a single event and passes an array through', () => {
    const one = ev('get');
    expect(items(extractItems(one))).toEqual({ items: [one], indexes: [undefined], rejected: [] });
    const arr = [ev('get'), 3];
    expect(items(extractItems(arr)).items).toBe(arr);
  });

  it('refuses lists that are not audit EventLists', () => {
    expect(notAudit(extractItems({ kind: 'EventList', apiVersion: 'events.k8s.io/v1', items: [] }))).toBe(
      'an EventList of apiVersion "events.k8s.io/v1" is not an audit EventList',
    );
    expect(notAudit(extractItems({ kind: 'EventList', items: {} }))).toBe(
      'an EventList needs an items array, got an object',
    );
    expect(notAudit(extractItems({ kind: 'PodList', items: [] }))).toMatch(/got kind "PodList"$/);
  });

  it('names the keys, never the values, of an object that is not audit data', () => {
    const reason = notAudit(extractItems({ hello: 'secret-value', b: 2 }));
    expect(reason).toBe(
      'expected an audit Event, an EventList, an array of events or an Azure {"records":[...]} wrapper, got an object with keys "hello", "b"',
    );
    expect(notAudit(extractItems(42))).toMatch(/, got 42$/);
    expect(notAudit(extractItems({}))).toMatch(/, got an empty object$/);
  });

  describe('the Azure records wrapper', () => {
    it('parses string logs and passes object logs, keeping record positions', () => {
      const a = ev('get');
      const b = ev('list');
      const c = ev('watch');
      const doc = {
        records: [
          { category: 'kube-audit', properties: { log: `${JSON.stringify(a)}\n`, stream: 'stdout' } },
          { category: 'kube-audit', properties: { log: '{"kind":"Event",' } },
          { category: 'kube-audit-admin', properties: { log: b } },
          { properties: { log: 12 } },
          { category: 'kube-apiserver', properties: { log: 'I0508 22:44:17 some klog line' } },
          'not a record',
          { properties: { log: JSON.stringify(c) } },
        ],
      };
      const out = items(extractItems(doc));
      expect(out.items).toEqual([a, b, c]);
      expect(out.items[1]).toBe(b);
      expect(out.indexes).toEqual([0, 2, 6]);
      expect(out.rejected).toEqual([
        { index: 1, reason: expect.stringMatching(/^records\[1\]\.properties\.log is not JSON: /) as unknown },
        { index: 3, reason: 'records[3].properties.log is 12, expected an event or its JSON text' },
        { index: 4, reason: 'records[4] has category "kube-apiserver", not kube-audit or kube-audit-admin' },
        { index: 5, reason: 'records[5] is "not a record", expected an object' },
      ]);
    });

    it('accepts a lone record', () => {
      const a = ev('get');
      const out = items(extractItems({ category: 'kube-audit', properties: { log: JSON.stringify(a) } }));
      expect(out).toEqual({ items: [a], indexes: [undefined], rejected: [] });
      expect(items(extractItems({ records: [{ properties: { stream: 'stdout' } }] })).rejected).toEqual([
        { index: 0, reason: 'records[0] has no properties.log' },
      ]);
      const bad = items(extractItems({ properties: { log: 'nope' } }));
      expect(bad.items).toEqual([]);
      expect(bad.rejected).toEqual([
        { reason: expect.stringMatching(/^the record\.properties\.log is not JSON/) as unknown },
      ]);
    });
  });
});
