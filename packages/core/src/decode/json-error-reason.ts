/**
 * The reason a JSON.parse failure gives, without the snippet of input that V8 quotes in its
 * message (`Unexpected token 'h', "hello" is not valid JSON`): reasons are logged and sent back,
 * and the snippet may hold part of a token or a secret.
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.endsWith(' is not valid JSON')) {
    const cut = message.indexOf(', ');
    if (cut !== -1) return message.slice(0, cut);
  }
  return message;
}
