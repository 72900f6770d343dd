/**
 * A bench rule set of 50 rules modelled on Falco's k8s_audit_rules.yaml (falcosecurity/plugins,
 * plugins/k8saudit/rules): the same detections, written as kaudit rules. It exists so the bench
 * exercises a library of realistic size and shape (most rules pinned to one resource and a few
 * verbs, some reading request bodies through JSONPath) while the default library in `rules/` is
 * still small. It is bench data, not a rule library: nothing ships it.
 */

const eq = (fact, value) => ({ fact, operator: 'equal', value });
const isIn = (fact, value) => ({ fact, operator: 'in', value });
const notIn = (fact, value) => ({ fact, operator: 'notIn', value });
const body = (path, operator, value) => ({ fact: 'requestObject', path, operator, value });
const ref = (condition) => ({ condition });

const WRITE = ['create', 'update', 'patch'];

/** Falco's "kcreate/kmodify/kdelete" macros for one resource: a completed write. */
function lifecycle(resource, verb, title, severity = 'info', extra = []) {
  return {
    name: `k8s-${resource}-${verb}`,
    title,
    severity,
    tags: ['k8s', 'lifecycle'],
    conditions: {
      all: [ref('response-ok'), eq('objectRef.resource', resource), eq('verb', verb), ...extra],
    },
    message: `{{user.username}} ${verb}d ${resource} {{objectRef.namespace}}/{{objectRef.name}}`,
  };
}

function rule(name, title, severity, conditions, more = {}) {
  return { name, title, severity, tags: ['k8s'], conditions, ...more };
}

/** The bench rule file (one JSON document, as a user would write it). */
export function falcoLikeRuleFile() {
  const lists = {
    'allowed-k8s-users': [
      'minikube',
      'minikube-user',
      'kubelet',
      'kops',
      'admin',
      'kube',
      'kube-proxy',
      'kubernetes-admin',
    ],
    'k8s-namespaces': ['kube-system', 'kube-public', 'kube-node-lease'],
    'trusted-images': ['registry.k8s.io/*', 'docker.io/falcosecurity/*', 'quay.io/prometheus/*'],
    'sensitive-host-paths': [
      '/proc',
      '/var/run/docker.sock',
      '/',
      '/etc',
      '/root',
      '/var/run/crio/crio.sock',
      '/run/containerd/containerd.sock',
      '/home/admin',
      '/var/lib/kubelet',
      '/var/lib/kubelet/pki',
      '/etc/kubernetes',
      '/etc/kubernetes/manifests',
    ],
    'system-cluster-roles': ['system:*'],
    'trusted-nodes': ['k8s-node-*', 'minikube'],
    'control-plane-users': [
      'system:apiserver',
      'system:kube-controller-manager',
      'system:kube-scheduler',
      'system:serviceaccount:kube-system:*',
      'system:node:*',
    ],
    'user-known-exec-users': ['system:serviceaccount:monitoring:*'],
    'credential-keys': ['*password*', '*passwd*', '*secret*', '*token*', 'aws_access_key_id', 'aws_secret_access_key'],
    'writable-verbs': ['create', 'update', 'patch', 'delete', 'deletecollection'],
  };
  const conditions = {
    'response-ok': { all: [{ fact: 'responseStatus.code', operator: 'in', value: [200, 201, 202, 204] }] },
    'request-done': { all: [eq('stage', 'ResponseComplete')] },
    'human-user': {
      all: [
        { fact: 'user.username', operator: 'not:glob', value: { fact: 'control-plane-users' } },
        eq('isServiceAccount', false),
      ],
    },
    'pod-create': {
      all: [
        eq('objectRef.resource', 'pods'),
        eq('verb', 'create'),
        { fact: 'objectRef.subresource', operator: 'exists', value: false },
      ],
    },
    'workload-write': {
      all: [
        isIn('objectRef.resource', [
          'pods',
          'deployments',
          'daemonsets',
          'statefulsets',
          'replicasets',
          'jobs',
          'cronjobs',
        ]),
        isIn('verb', WRITE),
      ],
    },
    'rbac-write': {
      all: [eq('objectRef.apiGroup', 'rbac.authorization.k8s.io'), isIn('verb', { fact: 'writable-verbs' })],
    },
  };
  const rules = [
    rule('disallowed-k8s-user', 'Request by a user outside the allowed list', 'medium', {
      all: [
        ref('request-done'),
        notIn('user.username', { fact: 'allowed-k8s-users' }),
        { fact: 'user.username', operator: 'not:glob', value: { fact: 'control-plane-users' } },
        eq('isServiceAccount', false),
      ],
    }),
    rule('create-disallowed-pod', 'Pod with an untrusted image', 'medium', {
      all: [ref('pod-create'), body('$.spec.containers[*].image', 'someFact:not:glob', { fact: 'trusted-images' })],
    }),
    rule('create-privileged-pod', 'Privileged container created', 'high', {
      all: [ref('pod-create'), body('$.spec.containers[*].securityContext.privileged', 'contains', true)],
    }),
    rule('create-privileged-init-pod', 'Privileged init container created', 'high', {
      all: [ref('pod-create'), body('$.spec.initContainers[*].securityContext.privileged', 'contains', true)],
    }),
    rule('create-sensitive-mount-pod', 'Pod mounting a sensitive host path', 'high', {
      all: [
        ref('pod-create'),
        body('$.spec.volumes[*].hostPath.path', 'someFact:in', { fact: 'sensitive-host-paths' }),
      ],
    }),
    rule('create-hostnetwork-pod', 'Pod on the host network', 'medium', {
      all: [ref('pod-create'), body('$.spec.hostNetwork', 'equal', true)],
    }),
    rule('create-hostpid-pod', 'Pod in the host PID namespace', 'medium', {
      all: [ref('pod-create'), body('$.spec.hostPID', 'equal', true)],
    }),
    rule('create-hostipc-pod', 'Pod in the host IPC namespace', 'medium', {
      all: [ref('pod-create'), body('$.spec.hostIPC', 'equal', true)],
    }),
    rule('create-run-as-root-pod', 'Container allowed to run as root', 'low', {
      all: [ref('pod-create'), body('$.spec.containers[*].securityContext.runAsUser', 'contains', 0)],
    }),
    rule('create-allow-privilege-escalation-pod', 'Container allowing privilege escalation', 'medium', {
      all: [ref('pod-create'), body('$.spec.containers[*].securityContext.allowPrivilegeEscalation', 'contains', true)],
    }),
    rule('create-nodeport-service', 'NodePort service created', 'medium', {
      all: [eq('objectRef.resource', 'services'), eq('verb', 'create'), body('$.spec.type', 'equal', 'NodePort')],
    }),
    rule('create-loadbalancer-service', 'LoadBalancer service created', 'low', {
      all: [eq('objectRef.resource', 'services'), eq('verb', 'create'), body('$.spec.type', 'equal', 'LoadBalancer')],
    }),
    rule('configmap-private-credentials', 'ConfigMap with credential-like keys', 'medium', {
      all: [
        eq('objectRef.resource', 'configmaps'),
        isIn('verb', WRITE),
        body('$.data.*~', 'someFact:glob', { fact: 'credential-keys' }),
      ],
    }),
    rule('anonymous-request-allowed', 'Anonymous request allowed', 'high', {
      all: [
        eq('isAnonymous', true),
        eq('decision', 'allow'),
        { fact: 'requestPath', operator: 'notIn', value: ['/healthz', '/livez', '/readyz', '/version'] },
      ],
    }),
    rule('attach-exec-pod', 'Exec or attach into a pod', 'high', {
      all: [
        eq('objectRef.resource', 'pods'),
        isIn('objectRef.subresource', ['exec', 'attach']),
        notIn('user.username', { fact: 'user-known-exec-users' }),
      ],
    }),
    rule('ephemeral-container-created', 'Ephemeral container added', 'medium', {
      all: [
        eq('objectRef.resource', 'pods'),
        eq('objectRef.subresource', 'ephemeralcontainers'),
        isIn('verb', ['update', 'patch']),
      ],
    }),
    rule('portforward-pod', 'Port-forward into a pod', 'medium', {
      all: [eq('objectRef.resource', 'pods'), eq('objectRef.subresource', 'portforward'), eq('verb', 'create')],
    }),
    rule('create-disallowed-namespace', 'Namespace outside the allowed list', 'low', {
      all: [
        eq('objectRef.resource', 'namespaces'),
        eq('verb', 'create'),
        ref('response-ok'),
        { fact: 'objectRef.name', operator: 'notIn', value: ['default', 'monitoring', 'falco'] },
      ],
    }),
    rule('pod-created-in-kube-namespace', 'Pod created in a system namespace', 'medium', {
      all: [ref('pod-create'), isIn('objectRef.namespace', { fact: 'k8s-namespaces' }), ref('human-user')],
    }),
    rule('serviceaccount-created-in-kube-namespace', 'Service account created in a system namespace', 'medium', {
      all: [
        eq('objectRef.resource', 'serviceaccounts'),
        eq('verb', 'create'),
        isIn('objectRef.namespace', { fact: 'k8s-namespaces' }),
        ref('human-user'),
      ],
    }),
    rule('system-clusterrole-modified', 'System ClusterRole modified or deleted', 'high', {
      all: [
        eq('objectRef.resource', 'clusterroles'),
        isIn('verb', ['update', 'patch', 'delete']),
        { fact: 'objectRef.name', operator: 'glob', value: { fact: 'system-cluster-roles' } },
        ref('human-user'),
      ],
    }),
    rule('attach-to-cluster-admin-role', 'Binding to cluster-admin', 'critical', {
      all: [
        eq('objectRef.resource', 'clusterrolebindings'),
        isIn('verb', WRITE),
        body('$.roleRef.name', 'equal', 'cluster-admin'),
      ],
    }),
    rule('clusterrole-with-wildcard', 'ClusterRole with a wildcard', 'high', {
      all: [
        isIn('objectRef.resource', ['clusterroles', 'roles']),
        isIn('verb', WRITE),
        { any: [body('$.rules[*].resources[*]', 'contains', '*'), body('$.rules[*].verbs[*]', 'contains', '*')] },
      ],
    }),
    rule('clusterrole-with-write-privileges', 'ClusterRole granting writes', 'medium', {
      all: [
        isIn('objectRef.resource', ['clusterroles', 'roles']),
        eq('verb', 'create'),
        body('$.rules[*].verbs[*]', 'someFact:in', { fact: 'writable-verbs' }),
        ref('human-user'),
      ],
    }),
    rule('clusterrole-with-pod-exec', 'ClusterRole granting pods/exec', 'high', {
      all: [
        isIn('objectRef.resource', ['clusterroles', 'roles']),
        isIn('verb', WRITE),
        body('$.rules[*].resources[*]', 'contains', 'pods/exec'),
      ],
    }),
    rule('clusterrole-with-secret-read', 'ClusterRole granting secret reads', 'medium', {
      all: [
        isIn('objectRef.resource', ['clusterroles', 'roles']),
        isIn('verb', WRITE),
        body('$.rules[*].resources[*]', 'contains', 'secrets'),
      ],
    }),
    lifecycle('deployments', 'create', 'Deployment created'),
    lifecycle('deployments', 'delete', 'Deployment deleted'),
    lifecycle('services', 'create', 'Service created'),
    lifecycle('services', 'delete', 'Service deleted'),
    lifecycle('configmaps', 'create', 'ConfigMap created'),
    lifecycle('configmaps', 'delete', 'ConfigMap deleted'),
    lifecycle('namespaces', 'create', 'Namespace created'),
    lifecycle('namespaces', 'delete', 'Namespace deleted', 'medium'),
    lifecycle('serviceaccounts', 'create', 'Service account created'),
    lifecycle('serviceaccounts', 'delete', 'Service account deleted'),
    lifecycle('roles', 'create', 'Role created'),
    lifecycle('clusterroles', 'create', 'ClusterRole created'),
    lifecycle('rolebindings', 'create', 'RoleBinding created'),
    lifecycle('clusterrolebindings', 'create', 'ClusterRoleBinding created', 'low'),
    lifecycle('secrets', 'create', 'Secret created', 'info', [ref('human-user')]),
    lifecycle('secrets', 'delete', 'Secret deleted', 'low', [ref('human-user')]),
    rule('secret-get-success', 'Secret read by a person', 'medium', {
      all: [eq('objectRef.resource', 'secrets'), eq('verb', 'get'), ref('response-ok'), ref('human-user')],
    }),
    rule(
      'secret-get-denied',
      'Secret read denied',
      'medium',
      {
        all: [eq('objectRef.resource', 'secrets'), isIn('verb', ['get', 'list']), eq('responseStatus.code', 403)],
      },
      { threshold: { count: 5, within: '1m', groupBy: ['user.username'] }, suppress: { for: '10m' } },
    ),
    rule('full-admin-access', 'Request by a member of system:masters', 'high', {
      all: [
        ref('request-done'),
        { fact: 'user.groups', operator: 'contains', value: 'system:masters' },
        ref('human-user'),
      ],
    }),
    rule('ingress-without-tls', 'Ingress created without TLS', 'low', {
      all: [eq('objectRef.resource', 'ingresses'), eq('verb', 'create'), body('$.spec.tls', 'exists', false)],
    }),
    rule('untrusted-node-joined', 'Untrusted node joined', 'high', {
      all: [
        eq('objectRef.resource', 'nodes'),
        eq('verb', 'create'),
        ref('response-ok'),
        { fact: 'objectRef.name', operator: 'not:glob', value: { fact: 'trusted-nodes' } },
      ],
    }),
    rule('untrusted-node-join-denied', 'Untrusted node tried to join', 'medium', {
      all: [
        eq('objectRef.resource', 'nodes'),
        eq('verb', 'create'),
        { fact: 'responseStatus.code', operator: 'notIn', value: [200, 201] },
      ],
    }),
    rule('rbac-change-by-person', 'RBAC changed by a person', 'medium', {
      all: [ref('rbac-write'), ref('human-user')],
    }),
    rule('workload-from-public-ip', 'Workload written from a public address', 'medium', {
      all: [
        ref('workload-write'),
        {
          fact: 'sourceIP',
          operator: 'not:inCIDR',
          value: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1'],
        },
      ],
    }),
    rule('impersonation', 'Request impersonating another identity', 'medium', {
      all: [{ fact: 'impersonatedUser.username', operator: 'exists', value: true }, ref('request-done')],
    }),
    rule('curl-against-api', 'API request from a generic HTTP client', 'low', {
      all: [
        ref('request-done'),
        { fact: 'userAgent', operator: 'matches', value: '^(curl|wget|python-requests|Go-http-client)/' },
      ],
    }),
    rule('watch-secrets-cluster-wide', 'Cluster-wide watch of secrets', 'high', {
      all: [
        eq('objectRef.resource', 'secrets'),
        isIn('verb', ['list', 'watch']),
        { fact: 'objectRef.namespace', operator: 'exists', value: false },
        ref('human-user'),
      ],
    }),
  ];
  return { lists, conditions, rules };
}
