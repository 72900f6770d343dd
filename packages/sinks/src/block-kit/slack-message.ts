/** A Slack text object. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

/** The Block Kit blocks kaudit renders. */
export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

/**
 * A rendered message: `text` is always present (notifications, screen readers, the minimal variant)
 * and, like every block, escaped and within Slack's limits.
 */
export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
}

/** Characters of text in a message's blocks, as Slack counts them against its total. */
export function blockTextLength(blocks: readonly SlackBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'header') total += block.text.text.length;
    else if (block.type === 'section') {
      total += block.text?.text.length ?? 0;
      for (const field of block.fields ?? []) total += field.text.length;
    } else if (block.type === 'context') {
      for (const element of block.elements) total += element.text.length;
    }
  }
  return total;
}
