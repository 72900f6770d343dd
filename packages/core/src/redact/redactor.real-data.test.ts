import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { auditFixtureFiles, fixtureEvents, skipWithoutFixtures } from '../testing/fixtures.js';
import { createRedactor } from './create-redactor.js';
import { FAKE_JWT, FAKE_TOKENS } from './fake-credentials.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { REDACTED } from './marker.js';

/*
 * Every event of the real-cluster fixtures (perfspec aside: 16k Metadata events, the benchmarks'
 * job) goes through the redactor. Real captures hold no Secret data, so the named files also get
 * credentials planted into them, to show the redactor removes them from real event shapes.
 */

const skip = skipWithoutFixtures('redact real data');

// Deliberately looser than the redactor's own patterns: any hint of a credential left over fails.
const TOKEN_SHAPED =
  /eyJ[\w-]{4,}\.eyJ|-----BEGIN [A-Z ]*PRIVATE KEY|xox[a-z]-[\w-]{4}|xapp-[\w-]{4}|hooks\.slack\.com\/services\/\w|A[KS]IA[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{8}|github_pat_\w{4}|[Bb]earer\s+[\w.~+/=-]{8}/;

/** Every leaf value by its key path, array indexes written `#` so paths group across events. */
function leaves(root: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const stack: [unknown, string][] = [[root, '$']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') out.set(path, node);
    else for (const [k, v] of Object.entries(node)) stack.push([v, `${path}/${k}`]);
  }
  return out;
}

const generalise = (path: string): string => path.replace(/\/\d+(?=\/|$)/g, '/#');

// What the redactor may change in the real captures: the only credential-bearing fields they hold.
const ALLOWED_CHANGES = new Set([
  `$/requestObject/metadata/annotations/${LAST_APPLIED_ANNOTATION}`,
  `$/responseObject/metadata/annotations/${LAST_APPLIED_ANNOTATION}`,
  '$/user/extra/accessKeyId/#', // EKS puts the caller's AWS access key ID there
]);
// With execCommand on, exec commands too: in the URI, and in PodExecOptions bodies (Panther's).
const EXEC_CHANGES = new Set(['$/requestURI', '$/requestObject/command/#']);

describe.skipIf(skip)('redaction over the real-cluster fixtures', () => {
  it('never throws, changes only credential fields, and counts exactly what it changed', () => {
    const redact = createRedactor({ execCommand: true });
    const changedFiles = new Set<string>();
    let events = 0;
    for (const file of auditFixtureFiles().filter((f) => !f.startsWith('audit/perfspec/'))) {
      const name = file.slice('audit/'.length);
      for (const event of fixtureEvents(file)) {
        events++;
        const before = leaves(structuredClone(event));
        const count = redact(event);
        const after = leaves(event);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        const changed = [...before].filter(([path, value]) => after.get(path) !== value).map(([path]) => path);
        for (const path of changed) {
          if (!EXEC_CHANGES.has(generalise(path)))
            expect(ALLOWED_CHANGES, `${name}: ${path}`).toContain(generalise(path));
        }
        for (const path of changed) expect(after.get(path), `${name}: ${path}`).toContain(REDACTED);
        if (!changed.includes('$/requestURI')) expect(count, name).toBe(changed.length);
        if (changed.length > 0) changedFiles.add(name);
      }
    }
    expect(events).toBeGreaterThan(300);
    // The captures that do carry credential fields lose them.
    for (const name of [
      'aks/sample_KubeAuditLog_event.json',
      'crowdsec/k8s-audit-priv-pod-file.log',
      'falco/modify_cluster_role_node_problem_detector.json',
      'panther/complete.jsonl',
      'falco/exec_pod.json',
      'panther/fragments.jsonl',
    ]) {
      expect(changedFiles).toContain(name);
    }
  });

  it('keeps the exec command of real exec events by default', () => {
    const [event] = fixtureEvents('audit/falco/exec_pod.json');
    const uri = event!.requestURI;
    expect(createRedactor()(event!)).toBe(0);
    expect(event!.requestURI).toBe(uri);
  });
});

describe.skipIf(skip)('real secret, token and configmap events with planted credentials', () => {
  const redact = createRedactor();

  /** Redacts a planted copy of each event and checks no credential and no original field is lost. */
  function check(file: string, plant: (event: AuditEvent) => void): void {
    const events = fixtureEvents(`audit/falco/${file}`);
    expect(events.length).toBeGreaterThan(0);
    for (const original of events) {
      const event = structuredClone(original);
      redact(event);
      expect(JSON.stringify(event)).not.toMatch(TOKEN_SHAPED);

      const planted = structuredClone(original);
      plant(planted);
      const plantedBefore = leaves(structuredClone(planted));
      expect(JSON.stringify(planted), 'the plant must be visible before redaction').toMatch(TOKEN_SHAPED);
      expect(redact(planted)).toBeGreaterThan(0);
      expect(JSON.stringify(planted)).not.toMatch(TOKEN_SHAPED);
      // Every field of the real event is still there with its value, unless it was planted on.
      const after = leaves(planted);
      for (const [path, value] of leaves(original)) {
        if (after.get(path) !== value) expect(plantedBefore.get(path), `${file}: ${path}`).not.toBe(value);
      }
    }
  }

  it('create_secret.json: Secret bodies and a token in the URI are redacted', () => {
    check('create_secret.json', (e) => {
      const body = {
        kind: 'Secret',
        apiVersion: 'v1',
        metadata: { name: 'example-secret' },
        data: { token: Buffer.from(FAKE_JWT).toString('base64') },
        stringData: { jwt: FAKE_JWT },
      };
      e.level = 'RequestResponse';
      e.requestObject = structuredClone(body);
      e.responseObject = { ...structuredClone(body), stringData: undefined };
      e.requestURI = `${e.requestURI}?token=${FAKE_TOKENS.githubPat}`;
    });
  });

  it('create_service_account_token_secret.json: the controller-written service-account token is redacted', () => {
    check('create_service_account_token_secret.json', (e) => {
      e.level = 'RequestResponse';
      e.requestObject = {
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: { name: e.objectRef?.name, annotations: { 'kubernetes.io/service-account.name': 'default' } },
        data: { token: FAKE_JWT, 'ca.crt': 'LS0tLS1CRUdJTi', namespace: 'dGVzdDI=' },
      };
      e.responseObject = { kind: 'Secret', data: { token: FAKE_JWT } };
    });
  });

  it('create_configmap_sensitive_values.json: credentials inside ConfigMap values are cut out, the rest kept', () => {
    check('create_configmap_sensitive_values.json', (e) => {
      for (const body of [e.requestObject, e.responseObject] as { data: Record<string, string> }[]) {
        body.data['access.properties'] = body.data['access.properties']!.replace('MY-ID', FAKE_TOKENS.awsAccessKeyId!);
        body.data['tls.key'] = FAKE_TOKENS.pemPrivateKey!;
      }
    });
    // The ConfigMap itself is not a secret: its keys and the prose around the key ID stay.
    const [original] = fixtureEvents('audit/falco/create_configmap_sensitive_values.json');
    const e = structuredClone(original!);
    const data = (e.requestObject as { data: Record<string, string> }).data;
    data['access.properties'] = data['access.properties']!.replace('MY-ID', FAKE_TOKENS.awsAccessKeyId!);
    redact(e);
    expect(data['access.properties']).toBe(`aws_access_key_id = ${REDACTED}\naws_secret_access_key = MY-KEY\n`);
    expect(data['ui.properties']).toContain('color.good=purple');
  });
});
