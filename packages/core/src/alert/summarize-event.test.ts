import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { auditFixtureFiles, fixtureEvents, skipWithoutFixtures } from '../testing/fixtures.js';
import type { EventSummary } from './alert.js';
import { summarizeEvent, summaryOf, summaryRecord } from './summarize-event.js';

/** The summary as it was made straight from the event before records: the reference. */
function reference(event: AuditEvent, time: number): EventSummary {
  const text = (v: unknown): string | undefined =>
    typeof v !== 'string' ? undefined : v.length > 2048 ? `${v.slice(0, 2048)}…` : v;
  const summary: EventSummary = {};
  if (typeof event.auditID === 'string') summary.auditID = event.auditID;
  if (time === time) summary.time = new Date(time).toISOString();
  if (typeof event.stage === 'string') summary.stage = event.stage;
  if (typeof event.verb === 'string') summary.verb = event.verb;
  const user = text(event.user?.username);
  if (user !== undefined) summary.user = user;
  if (Array.isArray(event.user?.groups)) {
    summary.groups = event.user.groups.filter((g): g is string => typeof g === 'string').slice(0, 20);
  }
  const impersonated = text(event.impersonatedUser?.username);
  if (impersonated !== undefined) summary.impersonatedUser = impersonated;
  const ref = event.objectRef;
  if (ref && typeof ref === 'object') {
    const o: NonNullable<EventSummary['objectRef']> = {};
    for (const k of ['resource', 'subresource', 'namespace', 'name', 'apiGroup'] as const) {
      const v = text(ref[k]);
      if (v !== undefined) o[k] = v;
    }
    summary.objectRef = o;
  }
  const uri = text(event.requestURI);
  if (uri !== undefined) summary.requestURI = uri;
  const ips = event.sourceIPs;
  if (Array.isArray(ips) && ips.length > 0) {
    const ip = text(ips[ips.length - 1]);
    if (ip !== undefined) summary.sourceIP = ip;
  }
  const agent = text(event.userAgent);
  if (agent !== undefined) summary.userAgent = agent;
  const code = event.responseStatus?.code;
  if (typeof code === 'number') summary.responseCode = code;
  const decision = text(event.annotations?.['authorization.k8s.io/decision']);
  if (decision !== undefined) summary.decision = decision;
  return summary;
}

const odd: AuditEvent[] = [
  auditEvent({
    verb: 'get',
    user: { username: 'x'.repeat(3000), groups: ['a', 1 as unknown as string, 'b'] },
    impersonatedUser: { username: 'bob' },
    objectRef: { resource: 'pods', subresource: 'exec', namespace: 'n', name: 'p', apiGroup: '' },
    sourceIPs: ['1.1.1.1', '2.2.2.2'],
    annotations: { 'authorization.k8s.io/decision': 'forbid' },
  }),
  {
    ...auditEvent({ verb: 'list' }),
    objectRef: [] as unknown as AuditEvent['objectRef'],
    user: { groups: Array.from({ length: 30 }, (_, i) => `g${i}`) },
  },
  { ...auditEvent({}), auditID: 7, stage: null, sourceIPs: [] } as unknown as AuditEvent,
  // The record joins requestURI, name and auditID into one string: each long, empty or missing.
  {
    ...auditEvent({ objectRef: { resource: 'pods', name: 'n'.repeat(3000) } }),
    requestURI: 'u'.repeat(3000),
    auditID: 'a'.repeat(5000),
  },
  { ...auditEvent({ objectRef: { resource: 'pods', name: '' } }), requestURI: '', auditID: '' },
  { ...auditEvent({ objectRef: { resource: 'pods', name: 'p\u00e9\ud800' } }), requestURI: undefined, auditID: 'é' },
  { ...auditEvent({ objectRef: { resource: 'pods' } }), requestURI: '/api/v1/pods', auditID: undefined },
  // A lowercase UUID is held packed; anything else as it is.
  { ...auditEvent({}), auditID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' },
  { ...auditEvent({}), auditID: '0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0' },
  { ...auditEvent({}), auditID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg' },
  { ...auditEvent({}), auditID: '0f1e2d3c-4b5a-6978-8796a-5b4c3d2e1f0' },
];

describe('summarizeEvent', () => {
  it('makes the same summaries, in the same key order, as the reference, with and without time', () => {
    const events = skipWithoutFixtures('summaries of real events')
      ? odd
      : [...odd, ...auditFixtureFiles().flatMap((f) => fixtureEvents(f).slice(0, 2000))];
    for (const [i, event] of events.entries()) {
      for (const time of [NaN, 1_700_000_000_000 + i]) {
        expect(JSON.stringify(summarizeEvent(event, time))).toBe(JSON.stringify(reference(event, time)));
        expect(summarizeEvent(event, time)).toStrictEqual(reference(event, time));
      }
    }
  });

  it('gives each summary its own group list, though records share one', () => {
    const a = summaryOf(summaryRecord(odd[0]!, NaN));
    const b = summaryOf(summaryRecord(odd[0]!, NaN));
    expect(a.groups).toEqual(['a', 'b']);
    a.groups!.push('changed');
    expect(b.groups).toEqual(['a', 'b']);
    expect(summaryOf(summaryRecord(odd[0]!, NaN)).groups).toEqual(['a', 'b']);
  });
});
