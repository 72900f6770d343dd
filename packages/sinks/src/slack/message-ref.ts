/** Where a posted Slack message lives: the channel ID Slack answered with, and the message `ts`. */
export interface SlackMessageAddress {
  /** The channel's ID (`C0…`); absent in a bare-ts ref, where only the configured channel is known. */
  channel?: string;
  ts: string;
}

/**
 * The `ref` slackSink returns for an alert: `<channel ID>/<ts>`. The channel ID is kept because
 * `chat.update` accepts only IDs, while the sink's `channel` may be a name that only `chat.postMessage`
 * resolves. Without a channel the ref is the bare `ts`.
 *
 * @example
 * formatMessageRef({ channel: 'C0123ABCD', ts: '1764186000.000100' }) // 'C0123ABCD/1764186000.000100'
 */
export function formatMessageRef(address: SlackMessageAddress): string {
  return address.channel ? `${address.channel}/${address.ts}` : address.ts;
}

/**
 * Reads a ref of {@link formatMessageRef}. A bare `ts` (as slackSink returned before it kept the channel
 * ID) is read as `{ ts }`.
 *
 * @example
 * parseMessageRef('C0123ABCD/1764186000.000100') // { channel: 'C0123ABCD', ts: '1764186000.000100' }
 * parseMessageRef('1764186000.000100') // { ts: '1764186000.000100' }
 */
export function parseMessageRef(ref: string): SlackMessageAddress {
  // A ts is digits and a dot, a channel ID letters and digits: neither holds a slash.
  const slash = ref.lastIndexOf('/');
  const channel = slash > 0 ? ref.slice(0, slash) : '';
  const ts = slash >= 0 ? ref.slice(slash + 1) : ref;
  return channel ? { channel, ts } : { ts };
}
