// Example 01: kaudit as a library. Load the default rules, push a webhook EventList body (what the API
// server POSTs), and print the alerts as JSON lines. Run it with: node examples/01-library-pipeline.mjs
import { fileURLToPath } from 'node:url';
import { compileRuleSet, createPipeline, loadRuleFiles } from '@kaudit/core';
import { consoleSink } from '@kaudit/sinks';

const rulesDir = fileURLToPath(new URL('../rules', import.meta.url));
const rules = compileRuleSet(await loadRuleFiles([rulesDir]));

// One JSON lines sink on stdout; `format: 'pretty'` prints the readable form instead.
const pipeline = createPipeline({ rules, sinks: [consoleSink({ format: 'json' })], tick: false });

const at = '2024-06-03T10:00:00.000000Z';
const body = JSON.stringify({
  kind: 'EventList',
  apiVersion: 'audit.k8s.io/v1',
  items: [
    {
      auditID: '0e8d1c2a-0000-4000-8000-000000000001',
      stage: 'ResponseStarted',
      verb: 'create',
      requestURI: '/api/v1/namespaces/payments/pods/api-7d9c/exec?command=sh&container=api&stdin=true&tty=true',
      user: { username: 'jordan@example.com', groups: ['system:authenticated'] },
      sourceIPs: ['198.51.100.4'],
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'api-7d9c', apiVersion: 'v1' },
      responseStatus: { code: 101 },
      requestReceivedTimestamp: at,
      stageTimestamp: at,
    },
    // Not an audit event: rejected with a reason, and the rest of the batch goes on.
    { kind: 'Pod' },
  ],
});

const { accepted, rejected } = pipeline.pushBody(body);
console.error(`accepted ${accepted}, rejected ${rejected.length}: ${rejected.map((r) => r.reason).join('; ')}`);
await pipeline.end();
