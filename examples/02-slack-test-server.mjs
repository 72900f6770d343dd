// Example 02: alerts to Slack, tested without Slack. Starts kaudit's local Slack test server, runs a
// pipeline with one inline rule and a slackSink pointed at the server, pushes an exec into a pod and three
// repeats of it in two bursts, and prints what "Slack" received: one message whose count was updated in
// place, and the roll-ups as replies in its thread. Run it with: node examples/02-slack-test-server.mjs
import { compileRuleSet, createPipeline, parseRuleSet } from '@kaudit/core';
import { slackSink } from '@kaudit/sinks';
import { startSlackTestServer } from '@kaudit/sinks/testing';

// The same rule shape as a file under rules/: repeats by the same user into the same pod within
// 10 minutes roll up into the first alert instead of raising new ones.
const rules = compileRuleSet(
  parseRuleSet([
    {
      file: 'example-02.json',
      json: {
        rules: [
          {
            name: 'exec-into-pod',
            title: 'Exec into a pod',
            severity: 'critical',
            conditions: { all: [{ fact: 'objectRef.subresource', operator: 'equal', value: 'exec' }] },
            suppress: { for: '10m', key: ['user.username', 'objectRef.namespace', 'objectRef.name'] },
            message: '{{user.username}} opened a shell in {{objectRef.namespace}}/{{objectRef.name}}',
          },
        ],
      },
    },
  ]),
);

const CHANNEL = 'C0SECURITY';
const slack = await startSlackTestServer({ channels: [CHANNEL] });
try {
  // In production: slackSink({ token: process.env.SLACK_BOT_TOKEN, channel: 'C0123456789' }).
  const sink = slackSink({ token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl });
  // A suppressed rule is stateful: its matches wait until the watermark (newest event time − lateness)
  // passes them. Lateness 0 releases each as soon as a later event arrives; live, keep the default.
  const pipeline = createPipeline({ rules, sinks: [sink], tick: false, lateness: 0 });

  const exec = (second, auditID) => ({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Event',
    level: 'Metadata',
    auditID,
    stage: 'ResponseStarted',
    verb: 'create',
    requestURI: '/api/v1/namespaces/payments/pods/api-7d9c/exec?command=sh&container=api&stdin=true&tty=true',
    user: { username: 'jordan@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['198.51.100.4'],
    userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'api-7d9c', apiVersion: 'v1' },
    responseStatus: { code: 101 },
    requestReceivedTimestamp: `2024-06-03T10:00:${String(second).padStart(2, '0')}.000000Z`,
    stageTimestamp: `2024-06-03T10:00:${String(second).padStart(2, '0')}.000000Z`,
  });
  const id = (n) => `0e8d1c2a-0000-4000-8000-00000000000${n}`;
  // First burst: the exec (the alert) and a repeat; wait until delivery is idle, as live traffic would pause.
  pipeline.push([exec(0, id(1)), exec(15, id(2))]);
  await pipeline.delivery.drain();
  // Second burst: two more repeats. `end()` flushes suppression and drains delivery.
  pipeline.push([exec(30, id(3)), exec(45, id(4))]);
  await pipeline.end();

  const messages = slack.messages(CHANNEL);
  console.log(`messages in ${CHANNEL}: ${messages.length}`);
  for (const message of messages) {
    const [header, , , context] = message.blocks ?? [];
    console.log(`- ${header?.text?.text}`);
    console.log(`  ${message.text}`);
    console.log(`  ${(context?.elements ?? []).map((e) => e.text).join(' | ')}`);
    console.log(`  updated in place: ${message.edits} time(s)`);
    const replies = slack.replies(message.ts);
    console.log(`  thread replies: ${replies.length}`);
    for (const reply of replies) console.log(`  > ${reply.text}`);
  }
  const stats = pipeline.stats.deliveries[sink.id];
  // Roll-ups still queued behind the alert merge into the newest: one reply carries the latest count.
  console.log(
    `delivery: ${stats.delivered} alert(s) delivered, ${stats.rollups} roll-up(s) sent, ` +
      `${stats.coalesced} coalesced, ${stats.deadLettered} dead-lettered`,
  );
  console.log(`calls: ${slack.calls.map((c) => `${c.method} ${c.status}`).join(', ')}`);
} finally {
  await slack.close();
}
