/**
 * Slack's limits on a message, as the formatter respects them and the test server enforces them.
 * Sources: Block Kit reference (header, section, fields, blocks) and chat.postMessage (text).
 */
export const SLACK_LIMITS = {
  /** Characters of a header block's plain_text. */
  headerText: 150,
  /** Characters of a section block's text. */
  sectionText: 3000,
  /** Fields of one section block. */
  fields: 10,
  /** Characters of one section field. */
  fieldText: 2000,
  /** Elements of one context block. */
  contextElements: 10,
  /** Characters of one context element (a text object's general limit). */
  contextText: 3000,
  /** Blocks of one message. */
  blocks: 50,
  /**
   * Characters of text over all blocks. Slack refuses larger messages with `msg_blocks_too_long` at an
   * undocumented size (reported near 13,000, varying with the blocks): kaudit stays under 10,000 and the
   * test server refuses beyond it, so a formatter change that creeps toward Slack's edge fails in tests.
   */
  blockTextTotal: 10_000,
  /** Characters of the top-level `text`; Slack truncates beyond 40,000 and refuses far larger ones. */
  text: 40_000,
} as const;
