import fc from 'fast-check';
import { from, Subject, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Alert, PipelineNotice } from '../alert/alert.js';
import { alertId } from '../alert/alert-id.js';
import type { AuditEvent } from '../event/audit-event.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { detect } from './detect.js';
import { createStreamStats } from './stream-stats.js';
import { testRule, testRuleSet, thresholdSpec } from './test-rules.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const isSecretRead = (e: AuditEvent) => e.objectRef?.resource === 'secrets' && e.verb === 'get';

function secretRead(user: string, seconds: number, name = 'db'): AuditEvent {
  return auditEvent({
    verb: 'get',
    user: { username: user },
    objectRef: { resource: 'secrets', namespace: 'prod', name },
    at: T0 + seconds * 1000,
    auditID: `${user}-${seconds}-${name}`,
  });
}

const burst = testRule(
  {
    name: 'secret-read-burst',
    threshold: thresholdSpec(5, 60_000, ['user.username']),
    message: '{{user.username}} read {{count}} secrets within {{within}}',
  },
  isSecretRead,
);

function run(events: AuditEvent[], rules = [burst], options = {}): PipelineNotice[] {
  const out: PipelineNotice[] = [];
  from(events)
    .pipe(detect(testRuleSet(rules), { tick: false, ...options }))
    .subscribe((n) => out.push(n));
  return out;
}

const closed = (notices: PipelineNotice[]): Alert[] => notices.filter((n) => n.type === 'closed').map((n) => n.alert);

describe('threshold windows', () => {
  it('starts a reloaded rule that groups by other facts afresh, instead of reading old groups with new keys', () => {
    const byUser = testRule({ name: 'reads', threshold: thresholdSpec(3, 60_000, ['user.username']) }, isSecretRead);
    const byNamespace = testRule(
      { name: 'reads', threshold: thresholdSpec(3, 60_000, ['objectRef.namespace']) },
      isSecretRead,
    );
    let current = testRuleSet([byUser]);
    const out: PipelineNotice[] = [];
    const events = [secretRead('alice', 0), secretRead('alice', 1), secretRead('bob', 2), secretRead('alice', 3)];
    events.push(secretRead('carol', 4));
    from(events)
      .pipe(
        tap((e) => {
          if (e.auditID === 'bob-2-db') current = testRuleSet([byNamespace]);
        }),
        detect(() => current, { tick: false }),
      )
      .subscribe((n) => out.push(n));
    const alerts = closed(out);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: { 'objectRef.namespace': 'prod' }, count: 3 });
    expect(alerts[0]!.events.map((e) => e.user)).toEqual(['bob', 'alice', 'carol']);
  });

  it('fires once when one user reads 5 secrets within a minute, with the DESIGN.md alert shape', () => {
    const events = [0, 10, 20, 30, 40].map((s) => secretRead('mallory', s));
    const [alert, ...rest] = closed(run(events));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'secret-read-burst',
      severity: 'high',
      key: { 'user.username': 'mallory' },
      count: 5,
      firstSeen: new Date(T0).toISOString(),
      lastSeen: new Date(T0 + 40_000).toISOString(),
      message: 'mallory read 5 secrets within 60s',
      suppressed: 0,
    });
    expect(alert!.id).toMatch(/^[0-9a-f]{20}$/);
    expect(alert!.events.map((e) => e.auditID)).toEqual(events.map((e) => e.auditID));
    expect(alert!.events[0]).toMatchObject({
      verb: 'get',
      user: 'mallory',
      objectRef: { resource: 'secrets', name: 'db' },
    });
  });

  it('does not fire for 4 reads, for 5 spread over more than the window, or for 5 split across users', () => {
    expect(closed(run([0, 10, 20, 30].map((s) => secretRead('a', s))))).toEqual([]);
    expect(closed(run([0, 20, 40, 60, 80].map((s) => secretRead('a', s))))).toEqual([]);
    expect(closed(run([0, 1, 2, 3, 4].map((s) => secretRead(s % 2 ? 'a' : 'b', s))))).toEqual([]);
  });

  it('counts the window inclusively: 5 reads exactly 60 s apart end to end fire', () => {
    expect(closed(run([0, 15, 30, 45, 60].map((s) => secretRead('a', s))))).toHaveLength(1);
  });

  it('starts the window afresh after firing: 10 reads in a row are two alerts without suppression', () => {
    const alerts = closed(run([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => secretRead('a', s))));
    expect(alerts.map((a) => a.count)).toEqual([5, 5]);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(2);
  });

  it('counts distinct values with `distinct`', () => {
    const enumeration = testRule(
      {
        name: 'secret-enumeration',
        threshold: thresholdSpec(3, 60_000, ['user.username'], 'objectRef.name'),
        message: '{{user.username}} read {{distinct}}',
      },
      isSecretRead,
    );
    const same = [0, 1, 2, 3, 4].map((s) => secretRead('a', s, 'db'));
    expect(closed(run(same, [enumeration]))).toEqual([]);
    const distinct = [
      secretRead('a', 0, 'db'),
      secretRead('a', 1, 'db'),
      secretRead('a', 2, 'api'),
      secretRead('a', 3, 'tls'),
    ];
    const [alert] = closed(run(distinct, [enumeration]));
    expect(alert).toMatchObject({ count: 4, message: 'a read db, api, tls' });
  });

  it('releases groups whose window the watermark has passed, so they never count against the cap', () => {
    // With room for one key, a second user inside the first one's window evicts it...
    const close = createStreamStats();
    run([secretRead('a', 0), secretRead('b', 30)], [burst], { maxKeys: 1, lateness: 1000, stats: close });
    expect(close.evicted).toBe(1);
    // ...but once the watermark is past the first window, its group is gone and nothing is evicted.
    const apart = createStreamStats();
    run([secretRead('a', 0), secretRead('b', 120), secretRead('c', 240)], [burst], {
      maxKeys: 1,
      lateness: 1000,
      stats: apart,
    });
    expect(apart.evicted).toBe(0);
  });

  it('caps tracked keys per rule and counts evictions', () => {
    const stats = createStreamStats();
    run(
      ['a', 'b', 'c', 'd'].map((u, i) => secretRead(u, i)),
      [burst],
      { maxKeys: 2, stats },
    );
    expect(stats.evicted).toBe(2);
  });
});

/** Exec into a pod, suppressed per user for 10 minutes: the rule of the suppression and key-budget cases. */
const exec = testRule(
  { name: 'exec', suppress: { for: 600_000, forText: '10m', key: ['user.username'] } },
  (e) => e.objectRef?.subresource === 'exec',
);
const execBy = (user: string, seconds: number) =>
  auditEvent({
    verb: 'create',
    user: { username: user },
    objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' },
    at: T0 + seconds * 1000,
    auditID: `${user}-${seconds}`,
  });

describe('suppression and roll-up', () => {
  it('rolls 50 repeats into the first alert: one alert, 50 roll-ups, count 51', () => {
    const notices = run(
      Array.from({ length: 51 }, (_, i) => execBy('eve', i)),
      [exec],
    );
    expect(notices.filter((n) => n.type === 'alert')).toHaveLength(1);
    const rollups = notices.filter((n) => n.type === 'rollup');
    expect(rollups).toHaveLength(50);
    expect(rollups.every((n) => n.alert.id === notices[0]!.alert.id)).toBe(true);
    const [final] = closed(notices);
    expect(final).toMatchObject({ count: 51, suppressed: 50, lastSeen: new Date(T0 + 50_000).toISOString() });
    expect(final!.events).toHaveLength(10);
  });

  it('gives every notice of an alert the id of its rule, key and first occurrence, late occurrences included', () => {
    const byUserAndNamespace = testRule(
      { name: 'exec-ns', suppress: { for: 600_000, forText: '10m', key: ['user.username', 'objectRef.namespace'] } },
      (e) => e.objectRef?.subresource === 'exec',
    );
    // eve at 10 s opens the alert; her exec at 5 s arrives late (after 20 s, with no lateness allowed)
    // and extends it backwards: the id stays that of the first occurrence.
    const events = [execBy('eve', 10), execBy('eve', 20), execBy('eve', 5), { ...execBy('ann', 30), user: {} }];
    for (const [rule, keyOf] of [
      [exec, (user: string | null) => JSON.stringify([user])],
      [byUserAndNamespace, (user: string | null) => JSON.stringify([user, 'default'])],
    ] as const) {
      const notices = run(events, [rule], { lateness: 0 });
      const eve = notices.filter((n) => n.alert.key['user.username'] === 'eve');
      expect(eve.map((n) => n.type)).toEqual(['alert', 'rollup', 'rollup', 'closed']);
      const id = alertId(rule.spec.name, keyOf('eve'), T0 + 10_000);
      expect(eve.every((n) => n.alert.id === id)).toBe(true);
      expect(eve.at(-1)!.alert.firstSeen).toBe(new Date(T0 + 5_000).toISOString());
      const nobody = notices.filter((n) => n.alert.key['user.username'] === null);
      expect(nobody.map((n) => n.alert.id)).toEqual(Array(2).fill(alertId(rule.spec.name, keyOf(null), T0 + 30_000)));
    }
  });

  it('sends the message rendered from the first event on every notice, whatever facts it reads', () => {
    const messages = {
      // Only facts a sample keeps: the open alert keeps no message and renders it from its sample.
      kept: '{{user.username}} ran exec in {{objectRef.namespace}}/{{objectRef.name}} ({{count}})',
      // A fact no sample keeps: the alert keeps the message it rendered from the event.
      other: '{{objectRef.uid}} by {{user.username}}',
      none: undefined,
    };
    for (const [name, message] of Object.entries(messages)) {
      const rule = testRule(
        { name, suppress: { for: 600_000, forText: '10m', key: ['user.username'] }, ...(message ? { message } : {}) },
        (e) => e.objectRef?.subresource === 'exec',
      );
      const first = { ...execBy('eve', 0), objectRef: { ...execBy('eve', 0).objectRef, uid: 'u-1' } };
      const later = { ...execBy('eve', 10), objectRef: { resource: 'pods', subresource: 'exec', name: 'other' } };
      for (const sampleSize of [0, 1, 10]) {
        const notices = run([first, later], [rule], { sampleSize });
        const expected = {
          kept: 'eve ran exec in default/web (1)',
          other: 'u-1 by eve',
          none: `${name}: create pods/exec default/web by eve`,
        }[name];
        expect(notices.map((n) => [n.type, n.alert.message])).toEqual([
          ['alert', expected],
          ['rollup', expected],
          ['closed', expected],
        ]);
      }
    }
  });

  it('closes suppression keys once their window has passed, so they never count against the cap', () => {
    const close = createStreamStats();
    run([execBy('a', 0), execBy('b', 60)], [exec], { maxKeys: 1, lateness: 1000, stats: close });
    expect(close.evicted).toBe(1);
    const apart = createStreamStats();
    run([execBy('a', 0), execBy('b', 700), execBy('c', 1400)], [exec], { maxKeys: 1, lateness: 1000, stats: apart });
    expect(apart.evicted).toBe(0);
  });

  it('raises a new alert after the suppression window, and per key', () => {
    const alerts = closed(run([execBy('eve', 0), execBy('bob', 1), execBy('eve', 601), execBy('eve', 700)], [exec]));
    expect(alerts.map((a) => [a.key['user.username'], a.count])).toEqual([
      ['eve', 1],
      ['bob', 1],
      ['eve', 2],
    ]);
  });

  it('closes alerts whose window the watermark has passed, in virtual time, and releases their state', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(() => {
      const input = new Subject<AuditEvent>();
      const seen: Array<[number, string]> = [];
      input
        .pipe(detect(testRuleSet([exec]), { lateness: 60_000, tick: 1000, scheduler }))
        .subscribe((n) => seen.push([scheduler.now(), n.type]));
      input.next(execBy('eve', 0));
      // The idle tick keeps rescheduling itself until the input ends.
      scheduler.schedule(() => input.complete(), 700_000);
      scheduler.flush();
      // Released once the watermark is past its time (lateness 60 s), closed once the watermark reaches
      // the end of its 10-minute suppression window (600 s + 60 s of lateness).
      expect(seen).toEqual([
        [61_000, 'alert'],
        [660_000, 'closed'],
      ]);
    });
  });
});

describe('key budget across rules', () => {
  it('drops the oldest key by event time of any rule past maxStateKeys, closing an open alert early, and counts it', () => {
    const stats = createStreamStats();
    const events = [secretRead('alice', 0), execBy('eve', 1), secretRead('bob', 2), execBy('ann', 3)];
    // alice reads 4 more times: her first read was dropped from the window, so 5 reads never fire.
    for (let s = 4; s < 8; s++) events.push(secretRead('alice', s));
    const notices = run(events, [burst, exec], { maxStateKeys: 2, lateness: 0, stats });
    expect(notices.filter((n) => n.type === 'alert').map((n) => n.alert.rule)).toEqual(['exec', 'exec']);
    // bob's window took alice's (0 s); ann's alert closed eve's (1 s) at once; alice's new window then
    // took bob's (2 s). Her later reads are in her window already: nothing more to drop.
    expect(notices.map((n) => `${n.type} ${String(n.alert.key['user.username'])}`)).toEqual([
      'alert eve',
      'alert ann',
      'closed eve',
      'closed ann',
    ]);
    expect(stats.evicted).toBe(3);
    // With room for every key, the same events keep alice's five reads in one window.
    const roomy = run(events, [burst, exec], { lateness: 0 });
    expect(roomy.filter((n) => n.type === 'alert').map((n) => n.alert.rule)).toEqual([
      'exec',
      'exec',
      'secret-read-burst',
    ]);
  });
});

describe('order independence (property)', () => {
  const LATENESS = 300_000;
  const users = ['alice', 'bob', 'mallory'];
  const rules = [
    burst,
    testRule(
      {
        name: 'burst-suppressed',
        threshold: thresholdSpec(3, 60_000, ['user.username']),
        suppress: { for: 120_000, forText: '2m', key: ['user.username'] },
      },
      isSecretRead,
    ),
    testRule(
      { name: 'distinct', threshold: thresholdSpec(2, 30_000, ['user.username'], 'objectRef.name') },
      isSecretRead,
    ),
    testRule({ name: 'each', suppress: { for: 90_000, forText: '90s', key: ['objectRef.name'] } }, isSecretRead),
  ];
  // A rule with its own, shorter lateness, in its own class.
  const quick = testRule(
    {
      name: 'quick',
      threshold: thresholdSpec(2, 20_000, ['user.username']),
      suppress: { for: 60_000, forText: '1m', key: ['user.username'] },
      lateness: 30_000,
    },
    isSecretRead,
  );
  const eventsWithin = (lateness: number) =>
    fc
      .array(
        fc.record({
          user: fc.constantFrom(...users),
          second: fc.integer({ min: 0, max: 900 }),
          name: fc.constantFrom('db', 'api', 'tls'),
          delay: fc.integer({ min: 0, max: lateness - 1 }),
        }),
        { minLength: 1, maxLength: 120 },
      )
      .map((items) => items.map((it, i) => ({ event: secretRead(it.user, it.second, `${it.name}`), i, ...it })));
  const eventsArb = eventsWithin(LATENESS);

  const finalAlerts = (events: AuditEvent[], tick: number | false, scheduler?: TestScheduler, ruleList = rules) => {
    const out: PipelineNotice[] = [];
    const input = new Subject<AuditEvent>();
    input
      .pipe(detect(testRuleSet(ruleList), { lateness: LATENESS, tick, ...(scheduler ? { scheduler } : {}) }))
      .subscribe((n) => out.push(n));
    for (const e of events) input.next(e);
    input.complete();
    return closed(out).sort((a, b) => (a.id < b.id ? -1 : 1));
  };

  it('gives the same alerts for any arrival order within the allowed lateness', () => {
    fc.assert(
      fc.property(eventsArb, (items) => {
        // Unique auditIDs, as real events have.
        items.forEach((it) => (it.event.auditID = `${it.event.auditID}-${it.i}`));
        const inOrder = [...items].sort((a, b) => a.second - b.second || a.i - b.i).map((it) => it.event);
        // Each event arrives up to LATENESS after its time: never more than LATENESS behind the newest.
        const shuffled = [...items]
          .sort((a, b) => a.second * 1000 + a.delay - (b.second * 1000 + b.delay))
          .map((it) => it.event);
        const expected = finalAlerts(inOrder, false);
        expect(finalAlerts(shuffled, false)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same alerts with rules of several latenesses, for any arrival order within the smallest', () => {
    let quickAlerts = 0;
    fc.assert(
      fc.property(eventsWithin(30_000), (items) => {
        items.forEach((it) => (it.event.auditID = `${it.event.auditID}-${it.i}`));
        const inOrder = [...items].sort((a, b) => a.second - b.second || a.i - b.i).map((it) => it.event);
        const shuffled = [...items]
          .sort((a, b) => a.second * 1000 + a.delay - (b.second * 1000 + b.delay))
          .map((it) => it.event);
        const all = [...rules, quick];
        const expected = finalAlerts(inOrder, false, undefined, all);
        quickAlerts += expected.filter((a) => a.rule === 'quick').length;
        expect(finalAlerts(shuffled, false, undefined, all)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // The short-lateness rule really took part.
    expect(quickAlerts).toBeGreaterThan(50);
  });

  it('gives the same alerts live (idle watermark ticks in virtual time) as in a replay', () => {
    fc.assert(
      fc.property(eventsArb, (items) => {
        items.forEach((it) => (it.event.auditID = `${it.event.auditID}-${it.i}`));
        const events = [...items].sort((a, b) => a.second - b.second || a.i - b.i).map((it) => it.event);
        const replay = finalAlerts(events, false);
        const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
        let live: Alert[] = [];
        scheduler.run(() => {
          const out: PipelineNotice[] = [];
          const input = new Subject<AuditEvent>();
          input
            .pipe(detect(testRuleSet(rules), { lateness: LATENESS, tick: 1000, scheduler }))
            .subscribe((n) => out.push(n));
          // Live: each event arrives at its own time on the virtual clock.
          const start = T0;
          for (const e of events) {
            const at = Date.parse(e.stageTimestamp!) - start;
            scheduler.schedule(() => input.next(e), at);
          }
          scheduler.schedule(() => input.complete(), 2_000_000);
          scheduler.flush();
          live = closed(out).sort((a, b) => (a.id < b.id ? -1 : 1));
        });
        expect(live).toEqual(replay);
      }),
      { numRuns: 100 },
    );
  });
});

describe('event samples', () => {
  const ids = (a: Alert) => a.events.map((e) => e.auditID);
  const alertsOf = (notices: PipelineNotice[], type: PipelineNotice['type']) =>
    notices.filter((n) => n.type === type).map((n) => n.alert);

  it('a threshold alert carries the latest sampleSize matches of its window, in time order, with their time', () => {
    const events = [0, 10, 20, 30, 40].map((s) => secretRead('alice', s, `s${s}`)).reverse();
    const [alert] = alertsOf(run(events, [burst], { sampleSize: 3, lateness: 120_000 }), 'alert');
    expect(ids(alert!)).toEqual(['alice-20-s20', 'alice-30-s30', 'alice-40-s40']);
    expect(alert!.events[0]).toMatchObject({
      auditID: 'alice-20-s20',
      time: new Date(T0 + 20_000).toISOString(),
      stage: 'ResponseComplete',
      verb: 'get',
      user: 'alice',
      objectRef: { resource: 'secrets', namespace: 'prod', name: 's20' },
    });
    for (const size of [0, 1]) {
      const [small] = alertsOf(run(events, [burst], { sampleSize: size }), 'alert');
      expect(ids(small!)).toEqual(size === 0 ? [] : ['alice-40-s40']);
    }
  });

  it('roll-ups add samples to an open alert up to sampleSize; each notice has its own copies', () => {
    const rule = testRule(
      { name: 'each-read', suppress: { for: 600_000, forText: '10m', key: ['user.username', 'objectRef.namespace'] } },
      isSecretRead,
    );
    const events = [0, 10, 20, 30].map((s) => secretRead('bob', s, `s${s}`));
    for (const [size, expected] of [
      [0, []],
      [1, ['bob-0-s0']],
      [3, ['bob-0-s0', 'bob-10-s10', 'bob-20-s20']],
    ] as const) {
      const notices = run(events, [rule], { sampleSize: size });
      const [closed] = alertsOf(notices, 'closed');
      expect(ids(closed!)).toEqual(expected);
      expect(closed!.key).toEqual({ 'user.username': 'bob', 'objectRef.namespace': 'prod' });
      expect(closed!.count).toBe(4);
      const [first] = alertsOf(notices, 'alert');
      expect(ids(first!)).toEqual(expected.slice(0, 1));
      if (size > 0) expect(first!.events[0]).not.toBe(closed!.events[0]);
    }
  });
});
