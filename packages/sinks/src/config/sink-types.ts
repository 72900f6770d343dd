import type { Sink } from '@kaudit/core';
import { consoleSink } from '../console-sink.js';
import { fileSink } from '../file/file-sink.js';
import { slackSink } from '../slack/slack-sink.js';
import { slackWebhookSink } from '../webhook/slack-webhook-sink.js';

/** What a sink type contributes to config files: the JSON Schema of its `options` and its factory. */
export interface SinkType {
  /** JSON Schema of `options` (checked, every fault listed, before any sink is built). */
  optionsSchema: object;
  /** Builds the sink; `options` are validated and `${ENV}` references resolved. */
  create(id: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv): Sink;
}

const timeout = { type: 'integer', minimum: 1 };

/**
 * The sink types config files may name: `console`, `slack` (Web API), `slack-webhook`, `file`. Pass your own
 * map to {@link createSinks} to add types.
 */
export const SINK_TYPES: Readonly<Record<string, SinkType>> = {
  console: {
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        format: { enum: ['pretty', 'json', 'auto'] },
        color: { type: 'boolean' },
        stream: { enum: ['stdout', 'stderr'] },
      },
    },
    create: (id, o) =>
      consoleSink({
        id,
        ...(o.stream === 'stderr' ? { stream: process.stderr } : {}),
        ...(o.format !== undefined ? { format: o.format as 'pretty' | 'json' | 'auto' } : {}),
        ...(o.color !== undefined ? { color: o.color as boolean } : {}),
      }),
  },
  slack: {
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['token', 'channel'],
      properties: {
        token: { type: 'string', minLength: 1 },
        channel: { type: 'string', minLength: 1 },
        apiUrl: { type: 'string', minLength: 1 },
        timeout,
      },
    },
    create: (id, o, env) =>
      slackSink({
        id,
        token: o.token as string,
        channel: o.channel as string,
        ...((o.apiUrl ?? env.SLACK_API_URL) ? { apiUrl: (o.apiUrl ?? env.SLACK_API_URL) as string } : {}),
        ...(o.timeout !== undefined ? { timeout: o.timeout as number } : {}),
      }),
  },
  'slack-webhook': {
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1 },
        channel: { type: 'string', minLength: 1 },
        timeout,
        rollups: { enum: ['doubling', 'all', 'none'] },
      },
    },
    create: (id, o) =>
      slackWebhookSink({
        id,
        url: o.url as string,
        ...(o.channel !== undefined ? { channel: o.channel as string } : {}),
        ...(o.timeout !== undefined ? { timeout: o.timeout as number } : {}),
        ...(o.rollups !== undefined ? { rollups: o.rollups as 'doubling' | 'all' | 'none' } : {}),
      }),
  },
  file: {
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', minLength: 1 },
        maxBytes: { type: 'integer', minimum: 1 },
        maxFiles: { type: 'integer', minimum: 0 },
      },
    },
    create: (id, o) =>
      fileSink({
        id,
        path: o.path as string,
        ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes as number } : {}),
        ...(o.maxFiles !== undefined ? { maxFiles: o.maxFiles as number } : {}),
      }),
  },
};

/** The options schemas of a type map, as {@link validateKauditConfig} takes them. */
export function optionSchemas(types: Readonly<Record<string, SinkType>>): Record<string, object> {
  return Object.fromEntries(Object.entries(types).map(([name, t]) => [name, t.optionsSchema]));
}
