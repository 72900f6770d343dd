import type { Alert } from '@kaudit/core';
import { testAlert } from './test-alert.js';

/**
 * An alert whose event text tries everything: a user named `<!channel>`, a 100 KB user agent of forged
 * links, an object named `<!here>`, mentions and links in the title and message.
 */
export function hostileAlert(): Alert {
  const forged = '<https://evil.example|x>'.repeat(Math.ceil(100_000 / 24));
  return testAlert({
    title: 'Exec by <!channel> <@U0ADMIN> & friends',
    message: `<!channel> ran ${forged}`,
    key: { 'user.username': '<!channel>', 'objectRef.name': '<!here>' },
    events: Array.from({ length: 20 }, (_, i) => ({
      auditID: `<!subteam^S1>-${i}`,
      time: '2026-01-01T00:00:00.000Z',
      verb: 'create',
      user: i === 0 ? '<!channel>' : `<@U${i}>`,
      impersonatedUser: '<!everyone>',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: '<#C123>', name: '<!here>' },
      sourceIP: '<https://evil.example|10.0.0.1>',
      userAgent: forged,
      responseCode: 101,
      decision: '<!here|allow>',
    })),
  });
}
