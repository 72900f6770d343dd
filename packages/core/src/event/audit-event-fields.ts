/**
 * The top-level fields of an audit event (`audit.k8s.io/v1` and `v1beta1`). A rule's event fact must
 * start with one of them: anything else is a typo (say a misspelled list name) that would otherwise
 * read a missing field on every event and never match, silently.
 */
export const AUDIT_EVENT_FIELDS: readonly string[] = [
  'kind',
  'apiVersion',
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
  // v1beta1
  'metadata',
  'timestamp',
];
