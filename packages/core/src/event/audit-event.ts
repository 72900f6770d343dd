/** Kubernetes `authentication.k8s.io/v1` UserInfo as it appears in audit events. */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  [field: string]: unknown;
}

/** Kubernetes audit `ObjectReference`. */
export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
  [field: string]: unknown;
}

/**
 * A Kubernetes audit event (`audit.k8s.io/v1` or `v1beta1`). Every field is optional because
 * real logs omit many of them; unknown fields are kept because the audit schema still grows.
 */
export interface AuditEvent {
  kind?: string;
  apiVersion?: string;
  level?: string;
  auditID?: string;
  stage?: string;
  requestURI?: string;
  verb?: string;
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: { code?: number; status?: string; reason?: string; message?: string; [field: string]: unknown };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  /** v1beta1 only. */
  timestamp?: string;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}
