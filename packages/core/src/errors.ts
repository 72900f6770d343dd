/**
 * An error raised by a kaudit component. The message names the component
 * (`[core] [rules] unknown operator`), `code` is stable for programs, `cause` keeps the origin.
 *
 * @example
 * throw new KauditError('rules', 'invalid_rule_file', 'rules/a.json has 2 problems', { cause: err });
 */
export class KauditError extends Error {
  /** Machine-readable code, stable across versions (snake_case). */
  readonly code: string;
  /** The component that raised it, e.g. `decode`, `rules`, `sinks:slack`. */
  readonly component: string;

  constructor(component: string, code: string, message: string, options?: { cause?: unknown }) {
    super(`[${component}] ${message}`, options);
    this.name = 'KauditError';
    this.code = code;
    this.component = component;
  }
}
