import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { DERIVED_FACTS } from '../event/derived-facts.js';
import { createRedactor } from './create-redactor.js';
import { REDACTED } from './marker.js';

const PASSWORD = 'Sup3rS3cretPassw0rd';
const URI = `/api/v1/namespaces/prod/pods/db-0/exec?command=mysql&command=-p${PASSWORD}&container=db&stdin=true&tty=true`;

function execEvent(fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    level: 'Request',
    stage: 'ResponseStarted',
    verb: 'create',
    requestURI: URI,
    objectRef: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'db-0' },
    responseStatus: { code: 101 },
    ...fields,
  };
}

describe('exec commands', () => {
  it('are kept by default: exec rules need them', () => {
    const e = execEvent();
    expect(createRedactor()(e)).toBe(0);
    expect(e.requestURI).toBe(URI);
  });

  it('are replaced value by value with execCommand, the rest of the URI kept', () => {
    const e = execEvent();
    expect(createRedactor({ execCommand: true })(e)).toBe(2);
    expect(e.requestURI).not.toContain(PASSWORD);
    expect(e.requestURI).toBe(
      `/api/v1/namespaces/prod/pods/db-0/exec?command=${REDACTED}&command=${REDACTED}&container=db&stdin=true&tty=true`,
    );
    // The derived fact still reads: one marker per argument, the container untouched.
    expect(DERIVED_FACTS.execCommand!.get(e)).toBe(`${REDACTED} ${REDACTED}`);
    expect(DERIVED_FACTS.execContainer!.get(e)).toBe('db');
  });

  it('are recognised by the URI path of attach when objectRef is missing, and in a PodExecOptions body', () => {
    const e = execEvent({
      objectRef: undefined,
      requestURI: `/api/v1/namespaces/prod/pods/db-0/attach?command=${PASSWORD}&container=db`,
      requestObject: { kind: 'PodExecOptions', command: ['sh', '-c', `echo ${PASSWORD}`], container: 'db' },
    });
    expect(createRedactor({ execCommand: true })(e)).toBe(4);
    expect(JSON.stringify(e)).not.toContain(PASSWORD);
    expect(e.requestObject).toEqual({
      kind: 'PodExecOptions',
      command: [REDACTED, REDACTED, REDACTED],
      container: 'db',
    });
  });

  it('leave the command parameter of other requests alone, and redact nothing twice', () => {
    const other = execEvent({
      objectRef: { resource: 'pods' },
      requestURI: `/api/v1/namespaces/prod/pods?command=${PASSWORD}`,
    });
    const redact = createRedactor({ execCommand: true });
    expect(redact(other)).toBe(0);
    const e = execEvent();
    redact(e);
    expect(redact(e)).toBe(0);
  });
});
