import { SLACK_LIMITS } from '../block-kit/slack-limits.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks one text object; returns its length, or an error code. */
function textObject(value: unknown, max: number, types: readonly string[]): number | string {
  if (!isObject(value) || typeof value.type !== 'string' || !types.includes(value.type)) return 'invalid_blocks';
  if (typeof value.text !== 'string' || value.text.length === 0 || value.text.length > max) return 'invalid_blocks';
  return value.text.length;
}

const ANY_TEXT = ['plain_text', 'mrkdwn'] as const;

/** Checks one block; returns the characters of text it holds, or an error code. */
function block(value: unknown): number | string {
  if (!isObject(value) || typeof value.type !== 'string') return 'invalid_blocks';
  switch (value.type) {
    case 'header':
      return textObject(value.text, SLACK_LIMITS.headerText, ['plain_text']);
    case 'section': {
      let total = 0;
      if (value.text === undefined && value.fields === undefined) return 'invalid_blocks';
      if (value.text !== undefined) {
        const length = textObject(value.text, SLACK_LIMITS.sectionText, ANY_TEXT);
        if (typeof length === 'string') return length;
        total += length;
      }
      if (value.fields !== undefined) {
        if (!Array.isArray(value.fields) || value.fields.length === 0 || value.fields.length > SLACK_LIMITS.fields) {
          return 'invalid_blocks';
        }
        for (const field of value.fields) {
          const length = textObject(field, SLACK_LIMITS.fieldText, ANY_TEXT);
          if (typeof length === 'string') return length;
          total += length;
        }
      }
      return total;
    }
    case 'context': {
      const elements = value.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) {
        return 'invalid_blocks';
      }
      let total = 0;
      for (const element of elements) {
        // Image elements carry no text; anything else must be a valid text object.
        if (isObject(element) && element.type === 'image') continue;
        const length = textObject(element, SLACK_LIMITS.contextText, ANY_TEXT);
        if (typeof length === 'string') return length;
        total += length;
      }
      return total;
    }
    default:
      // Other block types are not used by kaudit; accept them as Slack would a well-formed block.
      return 0;
  }
}

/**
 * Validates a message payload the way Slack does where it matters to kaudit, returning Slack's error
 * code (`no_text`, `invalid_blocks`, `invalid_blocks_format`, `msg_too_long`, `msg_blocks_too_long`)
 * or `undefined` when the message would be accepted. `blocks` may be an array or its JSON text (as
 * form bodies carry it).
 *
 * @example
 * validateSlackPayload({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }); // 'invalid_blocks'
 */
export function validateSlackPayload(payload: { text?: unknown; blocks?: unknown }): string | undefined {
  let blocks = payload.blocks;
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks) as unknown;
    } catch {
      return 'invalid_blocks_format';
    }
  }
  if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_blocks_format';
  const text = payload.text;
  if (text !== undefined && typeof text !== 'string') return 'invalid_arguments';
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if ((text === undefined || text === '') && !hasBlocks) return 'no_text';
  if (typeof text === 'string' && text.length > SLACK_LIMITS.text) return 'msg_too_long';
  if (!Array.isArray(blocks)) return undefined;
  if (blocks.length > SLACK_LIMITS.blocks) return 'invalid_blocks';
  let total = 0;
  for (const each of blocks) {
    const length = block(each);
    if (typeof length === 'string') return length;
    total += length;
  }
  return total > SLACK_LIMITS.blockTextTotal ? 'msg_blocks_too_long' : undefined;
}
