/**
 * Bench inputs: the real PerfSPEC events, a synthetic mix with RequestResponse bodies, and
 * high-cardinality variants of PerfSPEC for the memory and replay runs. Everything is built in
 * memory or in os.tmpdir(): fixtures are never copied into the repository.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { seededRandom } from '../../packages/core/dist/testing/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the shared fixtures are: `$KAUDIT_FIXTURES`, else `../shared/fixtures` beside the repository. */
export const FIXTURES_DIR = process.env.KAUDIT_FIXTURES
  ? resolve(process.env.KAUDIT_FIXTURES)
  : resolve(root, '..', 'shared', 'fixtures');

export const PERFSPEC_FILE = join(FIXTURES_DIR, 'audit', 'perfspec', 'audit-logs.jsonl.gz');

/** The credit CC-BY-4.0 asks for, printed with every figure that uses the data. */
export const PERFSPEC_CREDIT =
  'PerfSPEC Kubernetes event dataset by hkerma et al. (github.com/hkerma/kubernetes-event-dataset), CC-BY-4.0';

/** The PerfSPEC events as JSON lines (strings), exactly as in the file. */
export function perfspecLines() {
  if (!existsSync(PERFSPEC_FILE)) {
    throw new Error(`[bench] PerfSPEC fixture missing at ${PERFSPEC_FILE} (set KAUDIT_FIXTURES)`);
  }
  const text = gunzipSync(readFileSync(PERFSPEC_FILE)).toString('utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];

function podBody(rnd, name, ns) {
  const containers = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    containers.push({
      name: `c${i}`,
      image: pick(rnd, [
        'registry.k8s.io/pause:3.9',
        'docker.io/library/nginx:1.25',
        'quay.io/prometheus/node-exporter:v1.7.0',
        'ghcr.io/acme/api:2.3.1',
      ]),
      args: ['--port=8080', '--log-level=info'],
      env: [
        { name: 'MODE', value: 'production' },
        { name: 'DB_PASSWORD', value: 'hunter2-not-a-real-password' },
      ],
      resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
      securityContext: rnd() < 0.05 ? { privileged: true } : { runAsNonRoot: true, allowPrivilegeEscalation: false },
    });
  }
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: ns,
      labels: { app: name.split('-')[0], tier: 'backend' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T10:00:00Z' },
    },
    spec: {
      containers,
      volumes: [
        rnd() < 0.03 ? { name: 'data', hostPath: { path: '/var/run/docker.sock' } } : { name: 'data', emptyDir: {} },
      ],
      hostNetwork: rnd() < 0.02,
      serviceAccountName: 'default',
      nodeName: `node-${Math.floor(rnd() * 20)}`,
    },
  };
}

/**
 * A synthetic mix shaped like a busy cluster at RequestResponse level for writes: mostly
 * get/list/watch at Metadata level, with pod, configmap, secret, RBAC and service writes that carry
 * request and response bodies (a pod manifest, a Secret's data, a ClusterRoleBinding). About 1.2 KB
 * per event on average, the size the issue quotes for JSON.parse.
 */
export function syntheticLines(count, seed = 7) {
  const rnd = seededRandom(seed);
  const users = [
    'alice@example.com',
    'bob@example.com',
    'system:serviceaccount:ci:deployer',
    'system:kube-controller-manager',
    'system:node:node-3',
    'system:serviceaccount:kube-system:replicaset-controller',
  ];
  const namespaces = ['default', 'payments', 'kube-system', 'monitoring', 'ci'];
  const lines = [];
  const start = Date.parse('2026-11-26T10:00:00Z');
  for (let i = 0; i < count; i++) {
    const t = new Date(start + i * 5).toISOString();
    const user = pick(rnd, users);
    const ns = pick(rnd, namespaces);
    const name = `app-${Math.floor(rnd() * 500)}`;
    const r = rnd();
    const base = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      stage: 'ResponseComplete',
      user: {
        username: user,
        groups: user.startsWith('system:serviceaccount')
          ? ['system:serviceaccounts', 'system:authenticated']
          : ['developers', 'system:authenticated'],
      },
      sourceIPs: [pick(rnd, ['10.0.3.7', '192.168.1.20', '203.0.113.9'])],
      userAgent: pick(rnd, [
        'kubectl/v1.31.0 (linux/amd64) kubernetes/abc',
        'kube-controller-manager/v1.31.0',
        'curl/8.5.0',
        'helm/v3.15',
      ]),
      requestReceivedTimestamp: t,
      stageTimestamp: t,
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason':
          'RBAC: allowed by ClusterRoleBinding "edit" of ClusterRole "edit" to Group "developers"',
      },
    };
    let event;
    if (r < 0.6) {
      const resource = pick(rnd, ['pods', 'configmaps', 'leases', 'endpoints', 'nodes', 'secrets']);
      const verb = pick(rnd, ['get', 'list', 'watch']);
      event = {
        ...base,
        verb,
        requestURI: `/api/v1/namespaces/${ns}/${resource}/${name}`,
        objectRef: { resource, namespace: ns, name, apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 200 },
      };
    } else if (r < 0.8) {
      const body = podBody(rnd, name, ns);
      event = {
        ...base,
        level: 'RequestResponse',
        verb: 'create',
        requestURI: `/api/v1/namespaces/${ns}/pods`,
        objectRef: { resource: 'pods', namespace: ns, name, apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 201 },
        requestObject: body,
        responseObject: { ...body, status: { phase: 'Pending' } },
      };
    } else if (r < 0.88) {
      const data = { 'app.properties': 'mode=prod\nthreads=8', db_password: 'cGFzc3dvcmQ=' };
      event = {
        ...base,
        level: 'RequestResponse',
        verb: pick(rnd, ['create', 'update', 'patch']),
        requestURI: `/api/v1/namespaces/${ns}/configmaps/${name}`,
        objectRef: { resource: 'configmaps', namespace: ns, name, apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 200 },
        requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: ns }, data },
      };
    } else if (r < 0.94) {
      event = {
        ...base,
        level: 'RequestResponse',
        verb: 'create',
        requestURI: `/api/v1/namespaces/${ns}/secrets`,
        objectRef: { resource: 'secrets', namespace: ns, name, apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 201 },
        requestObject: {
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name, namespace: ns },
          type: 'Opaque',
          data: { token: 'ZXlKaGJHY2lPaUpTVXpJMU5pSjku', password: 'aHVudGVyMg==' },
        },
      };
    } else if (r < 0.97) {
      event = {
        ...base,
        level: 'RequestResponse',
        verb: 'create',
        requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        objectRef: { resource: 'clusterrolebindings', name, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 201 },
        requestObject: {
          kind: 'ClusterRoleBinding',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          metadata: { name },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: pick(rnd, ['view', 'edit', 'cluster-admin']),
          },
          subjects: [{ kind: 'User', name: user }],
        },
      };
    } else {
      event = {
        ...base,
        verb: 'create',
        requestURI: `/api/v1/namespaces/${ns}/pods/${name}/exec?command=sh&command=-c&command=id&container=c0&stdin=true&stdout=true&tty=true`,
        objectRef: { resource: 'pods', namespace: ns, name, subresource: 'exec', apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 101 },
      };
    }
    lines.push(JSON.stringify(event));
  }
  return lines;
}

/**
 * PerfSPEC event `i` made distinct for high-cardinality runs: a fresh auditID, one of `users`
 * users, a distinct object name and a time moving at `perSecond` events per second of event time.
 */
export function varyEvent(
  event,
  i,
  { users = 1_000_000, perSecond = 4_000, start = Date.parse('2026-11-26T00:00:00Z') } = {},
) {
  const t = new Date(start + Math.floor((i * 1000) / perSecond)).toISOString();
  event.auditID = `b0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  event.user = { username: `user-${i % users}@example.com`, groups: ['system:authenticated'] };
  if (event.objectRef) event.objectRef.name = `obj-${i}`;
  event.requestReceivedTimestamp = t;
  event.stageTimestamp = t;
  return event;
}

/** Writes `count` varied PerfSPEC events as JSON lines to `path`; resolves to the byte size. */
export async function writeHighCardinalityFile(path, count, lines) {
  const out = createWriteStream(path);
  let bytes = 0;
  let chunk = [];
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify(varyEvent(JSON.parse(lines[i % lines.length]), i));
    chunk.push(text);
    bytes += Buffer.byteLength(text) + 1;
    if (chunk.length === 5000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}

export const REPO_ROOT = root;
