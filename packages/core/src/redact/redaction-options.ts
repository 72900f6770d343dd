/** How the redactor behaves. Every field is optional: the defaults redact everything kaudit knows about. */
export interface RedactionOptions {
  /** Default `true`. `false` turns redaction off entirely: only for users who know what they do. */
  enabled?: boolean;
  /**
   * Extra dotted paths (from the event root) whose values are replaced. `*` matches any key or array
   * index; `\.` escapes a literal dot. E.g. `requestObject.spec.password`,
   * `responseObject.items.*.spec.token`.
   */
  paths?: string[];
  /** Replacement for each secret value. Default `"[REDACTED]"`. */
  marker?: string;
  /**
   * Default `false`. When `true`, the `command` query values of `pods/exec` and `pods/attach`
   * request URIs are replaced too (commands may carry passwords, but rules usually want to see them).
   */
  execCommand?: boolean;
}
