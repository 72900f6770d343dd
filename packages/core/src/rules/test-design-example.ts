/** Test support: the rule file example of DESIGN.md ("Rule files"), verbatim. */
export const DESIGN_EXAMPLE = {
  lists: { 'system-users': ['system:kube-scheduler', 'system:kube-controller-manager'] },
  conditions: {
    'reads-secrets': {
      all: [
        { fact: 'objectRef.resource', operator: 'equal', value: 'secrets' },
        { fact: 'verb', operator: 'in', value: ['get', 'list', 'watch'] },
      ],
    },
  },
  rules: [
    {
      name: 'secret-read-burst',
      title: 'Burst of secret reads',
      severity: 'high',
      tags: ['credential-access'],
      conditions: {
        all: [
          { condition: 'reads-secrets' },
          { fact: 'user.username', operator: 'notIn', value: { fact: 'system-users' } },
        ],
      },
      threshold: { count: 5, within: '1m', groupBy: ['user.username'] },
      suppress: { for: '10m' },
      message: '{{user.username}} read {{count}} secrets within {{within}}',
    },
  ],
};
