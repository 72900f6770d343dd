import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { compileRoutes } from './routes.js';
import { testAlert } from './test-alerts.js';

describe('compileRoutes', () => {
  const sinks = ['oncall', 'feed', 'audit'];

  it('sends every alert to every sink when there are no routes', () => {
    expect(compileRoutes([], sinks)(testAlert('a'))).toEqual(sinks);
  });

  it('takes the first matching route: critical to on-call, the rest to the feed', () => {
    const route = compileRoutes([{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }], sinks);
    expect(route(testAlert('a', { severity: 'critical' }))).toEqual(['oncall']);
    expect(route(testAlert('a', { severity: 'high' }))).toEqual(['feed']);
  });

  it('adds later routes after one that says continue', () => {
    const route = compileRoutes(
      [{ minSeverity: 'high', sinks: ['oncall'], continue: true }, { sinks: ['feed', 'oncall'] }],
      sinks,
    );
    expect(route(testAlert('a', { severity: 'high' }))).toEqual(['oncall', 'feed']);
    expect(route(testAlert('a', { severity: 'low' }))).toEqual(['feed', 'oncall']);
  });

  it('matches tags (any of) and rule names with globs, all matchers together', () => {
    const route = compileRoutes(
      [{ tags: ['credential-access', 'persistence'], rules: ['secret-*'], sinks: ['audit'] }, { sinks: ['feed'] }],
      sinks,
    );
    expect(route(testAlert('a', { rule: 'secret-read-burst', tags: ['credential-access'] }))).toEqual(['audit']);
    expect(route(testAlert('a', { rule: 'secret-read-burst', tags: ['discovery'] }))).toEqual(['feed']);
    expect(route(testAlert('a', { rule: 'exec-into-pod', tags: ['persistence'] }))).toEqual(['feed']);
  });

  it('sends an alert no route matches to every sink, so nothing is dropped', () => {
    const route = compileRoutes([{ minSeverity: 'critical', sinks: ['oncall'] }], sinks);
    expect(route(testAlert('a', { severity: 'info' }))).toEqual(sinks);
  });

  it('refuses routes naming unknown sinks or severities, listing every fault', () => {
    let error: unknown;
    try {
      compileRoutes([{ sinks: ['nope'] }, { minSeverity: 'urgent' as 'high', sinks: ['feed', 'gone'] }], sinks);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KauditError);
    expect((error as KauditError).code).toBe('invalid_config');
    expect((error as KauditError).message).toBe(
      '[delivery] invalid routes: routes[0] names sink "nope", which is not configured; ' +
        'routes[1] names sink "gone", which is not configured; ' +
        'routes[1].minSeverity "urgent" is not one of info, low, medium, high, critical',
    );
  });
});
