import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelRateLimit, type RateLimit } from './channel-rate-limit.js';
import { validateSlackPayload } from './validate-slack-payload.js';

/** What the test server can be called for. Incoming-webhook posts are `webhook`. */
export type SlackTestMethod = 'chat.postMessage' | 'chat.update' | 'webhook';

/** Options of {@link startSlackTestServer}. */
export interface SlackTestServerOptions {
  /** The bot token the Web API accepts (`Authorization: Bearer …` or a `token` parameter). Default `xoxb-kaudit-test`. */
  token?: string;
  /** Per-channel limit on posted messages (chat.postMessage and webhook posts), answered with 429 + `Retry-After`. Default: none. */
  rateLimit?: RateLimit;
  /** The channels that exist, by ID or name; others answer `channel_not_found`. Default: every channel exists. */
  channels?: readonly string[];
  /** Clock for message timestamps and rate limits. Default `Date.now`. */
  now?: () => number;
}

/** An injected failure; see {@link SlackTestServer.fail}. */
export interface SlackTestFailure {
  /** Slack's error code: `ok:false` for the Web API, the body of an HTTP error for webhooks. */
  error?: string;
  /** HTTP status (429, 500, 503, …). For webhooks the default follows Slack (e.g. 404 for `channel_not_found`). */
  status?: number;
  /** Seconds sent in `Retry-After` with a 429. Default 1. */
  retryAfter?: number;
  /** Only calls for this channel (by ID or name: either matches calls addressed by the other). Default: any. */
  channel?: string;
  /** Only calls of this method. Default: any. */
  method?: SlackTestMethod;
  /** How many matching calls fail. Default 1; `Infinity` until {@link SlackTestServer.reset}. */
  times?: number;
}

/** A message the server accepted. `text` and `blocks` reflect later `chat.update` calls; `edits` counts them. */
export interface ReceivedMessage {
  /** The channel's ID: a message addressed by name is recorded under the ID the name resolved to. */
  channel: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown[];
  via: 'api' | 'webhook';
  /** Clock time it was accepted. */
  at: number;
  edits: number;
  /** Every parameter received, token excluded. */
  params: Record<string, unknown>;
}

/** An accepted `chat.update`. */
export interface ReceivedUpdate {
  /** The channel's ID (chat.update accepts no other). */
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  at: number;
}

/** One answered call. */
export interface CallRecord {
  method: string;
  /** The channel as the call addressed it (ID or name); for a webhook, as given to `webhookUrl`. */
  channel?: string;
  at: number;
  status: number;
  /** Slack's error code when the call was refused. */
  error?: string;
}

/** A running Slack test server; see {@link startSlackTestServer}. */
export interface SlackTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Base URL for the Web API client (`slackApiUrl`, `SLACK_API_URL`): `<url>/api/`. */
  readonly apiUrl: string;
  readonly port: number;
  readonly token: string;
  /**
   * The ID of a channel, as Slack would answer it: an ID is its own; a name (`#sec-feed` or `sec-feed`)
   * gets a stable `C0…` derived from it, the same in every server.
   */
  channelId(channel: string): string;
  /** An incoming-webhook URL posting to `channel`, by ID or name (created on first use). */
  webhookUrl(channel: string): string;
  /** Top-level messages, in order, of one channel (by ID or name) or of all. */
  messages(channel?: string): ReceivedMessage[];
  /** Replies in the thread of `threadTs`, in order. */
  replies(threadTs: string): ReceivedMessage[];
  /** Clock times at which messages (posts, replies, webhook posts) were accepted, of one channel (by ID or name) or of all. */
  acceptedAt(channel?: string): number[];
  /** Accepted `chat.update` calls, in order. */
  readonly updates: readonly ReceivedUpdate[];
  /** Every answered call (accepted or refused), in order. */
  readonly calls: readonly CallRecord[];
  /** 429 answers served (rate limits enforced and injected). */
  readonly rateLimited: number;
  /** Make matching calls fail: `ok:false` errors, HTTP errors, 429s. Failures are checked in the order added. */
  fail(failure: SlackTestFailure): void;
  /** Delay the next `times` answers (default: all, until `slow(0)`) by `ms`. */
  slow(ms: number, times?: number): void;
  /** Stop listening and drop open connections: clients get connection refused. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** `down()`, wait `ms`, `up()`. */
  outage(ms: number): Promise<void>;
  /** Forget received messages, calls, failures, delays and rate-limit state. */
  reset(): void;
  close(): Promise<void>;
}

const WEBHOOK_STATUS: Record<string, number> = {
  invalid_token: 403,
  action_prohibited: 403,
  channel_not_found: 404,
  no_service: 404,
  no_active_hooks: 404,
  channel_is_archived: 410,
  rollup_error: 500,
};

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Slack's channel IDs are capitals and digits (`C0123ABCD`); names are lower case. Test IDs such as
 * `C-ALERTS` count as IDs too; anything else (`#sec-feed`, `sec-feed`) is a name.
 */
const CHANNEL_ID = /^[A-Z][A-Z0-9_-]*$/;

/** FNV-1a of the name as a `C0…` ID: stable across servers and runs, so tests may predict it. */
function idForName(name: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `C0${hash.toString(36).toUpperCase().padStart(7, '0')}`;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
  retryAfter?: number;
  error?: string;
}

const apiAnswer = (body: Record<string, unknown>, status = 200, retryAfter?: number): Answer => ({
  status,
  body: JSON.stringify(body),
  contentType: 'application/json; charset=utf-8',
  ...(retryAfter !== undefined ? { retryAfter } : {}),
  ...(body.ok === false ? { error: String(body.error) } : {}),
});

const webhookAnswer = (status: number, body: string, retryAfter?: number): Answer => ({
  status,
  body,
  contentType: 'text/html',
  ...(retryAfter !== undefined ? { retryAfter } : {}),
  ...(status !== 200 ? { error: body } : {}),
});

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Parses a form or JSON body as the Slack SDKs send them; `undefined` when it is not parseable. */
function parseParams(body: string, contentType: string): Record<string, unknown> | undefined {
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function blocksOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  const parsed = JSON.parse(value) as unknown;
  return Array.isArray(parsed) ? parsed : undefined;
}

/**
 * Starts a local HTTP server (127.0.0.1, a free port) that speaks the parts of Slack's protocol kaudit
 * uses, so sinks (and your own rules' messages) are tested through the real Slack clients:
 * `POST /api/chat.postMessage` and `/api/chat.update` (bearer token, form or JSON bodies) and
 * incoming-webhook posts on `/services/…`. Like Slack, chat.postMessage (and a webhook) takes a channel
 * by ID or name and answers with the ID, and chat.update takes only the ID (a name answers
 * `channel_not_found`); messages are recorded under the ID. It validates payloads as Slack does where
 * it matters (text or blocks present; header ≤ 150, section ≤ 3,000, ≤ 10 fields of ≤ 2,000, ≤ 50 blocks),
 * enforces an optional per-channel rate limit with 429 + `Retry-After`, can inject errors, 5xx, slow
 * answers and outages (connection refused), and records what it received.
 *
 * @example
 * const slack = await startSlackTestServer({ rateLimit: { perSecond: 1, burst: 1 } });
 * const sink = slackSink({ token: slack.token, channel: 'C-ALERTS', apiUrl: slack.apiUrl });
 * await sink.send({ type: 'alert', alert }, { signal: new AbortController().signal, attempt: 1 });
 * expect(slack.messages('C-ALERTS')).toHaveLength(1);
 * slack.fail({ error: 'channel_not_found', times: Infinity }); // every later call is refused
 * await slack.close();
 */
export async function startSlackTestServer(options: SlackTestServerOptions = {}): Promise<SlackTestServer> {
  const token = options.token ?? 'xoxb-kaudit-test';
  const now = options.now ?? Date.now;
  // Name → ID and back; kept across reset(), so a name keeps its ID.
  const idsByName = new Map<string, string>();
  const namesById = new Map<string, string>();
  const channelId = (channel: string): string => {
    if (CHANNEL_ID.test(channel)) return channel;
    const name = channel.startsWith('#') ? channel.slice(1) : channel;
    let id = idsByName.get(name);
    if (id === undefined) {
      id = idForName(name);
      // Two names hashing alike must still be two channels.
      for (let n = 1; namesById.has(id); n++) id = idForName(`${name}#${n}`);
      idsByName.set(name, id);
      namesById.set(id, name);
    }
    return id;
  };
  /** The ID a call's `channel` parameter stands for; `undefined` when it names no channel at all. */
  const addressed = (channel: string | undefined): string | undefined =>
    channel === undefined || channel === '' || channel === '#' ? undefined : channelId(channel);
  const channels = options.channels ? new Set(options.channels.map(channelId)) : undefined;
  const exists = (id: string): boolean => !channels || channels.has(id);
  const limit = options.rateLimit ? new ChannelRateLimit(options.rateLimit, now) : undefined;

  let messages: ReceivedMessage[] = [];
  let updates: ReceivedUpdate[] = [];
  let calls: CallRecord[] = [];
  let rateLimited = 0;
  let failures: (SlackTestFailure & { left: number })[] = [];
  let delay = { ms: 0, left: 0 };
  let sequence = 0;
  // Delayed answers, released when the server stops so no timer outlives it.
  const waiting = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const webhooks = new Map<string, string>();
  const webhookPaths = new Map<string, string>();

  const nextTs = (): string => {
    sequence = (sequence + 1) % 1_000_000;
    return `${Math.floor(now() / 1000)}.${String(sequence).padStart(6, '0')}`;
  };

  const takeFailure = (method: SlackTestMethod, channel: string | undefined): SlackTestFailure | undefined => {
    const index = failures.findIndex(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.channel === undefined || (channel !== undefined && addressed(f.channel) === addressed(channel))),
    );
    if (index < 0) return undefined;
    const failure = failures[index]!;
    failure.left--;
    return failure;
  };

  const limited = (channel: string): number | undefined => {
    const wait = limit?.take(channel) ?? 0;
    return wait > 0 ? wait : undefined;
  };

  const record = (method: string, channel: string | undefined, answer: Answer): Answer => {
    calls.push({
      method,
      ...(channel !== undefined ? { channel } : {}),
      at: now(),
      status: answer.status,
      ...(answer.error !== undefined ? { error: answer.error } : {}),
    });
    if (answer.status === 429) rateLimited++;
    return answer;
  };

  const accept = (channel: string, params: Record<string, unknown>, via: ReceivedMessage['via']): ReceivedMessage => {
    const { token: _token, ...kept } = params;
    const blocks = blocksOf(params.blocks);
    const message: ReceivedMessage = {
      channel,
      ts: nextTs(),
      ...(typeof params.thread_ts === 'string' ? { threadTs: params.thread_ts } : {}),
      ...(typeof params.text === 'string' ? { text: params.text } : {}),
      ...(blocks ? { blocks } : {}),
      via,
      at: now(),
      edits: 0,
      params: kept,
    };
    messages.push(message);
    return message;
  };

  const api = (method: string, params: Record<string, unknown>, authorization: string | undefined): Answer => {
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const given = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
    const channel = typeof params.channel === 'string' ? params.channel : undefined;
    if (given === undefined || given === '') return apiAnswer({ ok: false, error: 'not_authed' });
    if (given !== token) return apiAnswer({ ok: false, error: 'invalid_auth' });
    if (method !== 'chat.postMessage' && method !== 'chat.update')
      return apiAnswer({ ok: false, error: 'unknown_method' });

    const failure = takeFailure(method, channel);
    if (failure) {
      const status = failure.status ?? 200;
      if (status === 429) return apiAnswer({ ok: false, error: 'ratelimited' }, 429, failure.retryAfter ?? 1);
      if (status >= 500) return apiAnswer({ ok: false, error: failure.error ?? 'internal_error' }, status);
      return apiAnswer({ ok: false, error: failure.error ?? 'internal_error' }, status);
    }
    const id = addressed(channel);
    if (id === undefined || !exists(id)) return apiAnswer({ ok: false, error: 'channel_not_found' });

    if (method === 'chat.postMessage') {
      const wait = limited(id);
      if (wait !== undefined) return apiAnswer({ ok: false, error: 'ratelimited' }, 429, wait);
      const invalid = validateSlackPayload(params);
      if (invalid) return apiAnswer({ ok: false, error: invalid });
      const message = accept(id, params, 'api');
      return apiAnswer({
        ok: true,
        channel: id,
        ts: message.ts,
        message: { type: 'message', text: message.text ?? '', ts: message.ts },
      });
    }

    // Slack resolves names only in its oldest methods such as chat.postMessage; chat.update needs the ID.
    if (id !== channel) return apiAnswer({ ok: false, error: 'channel_not_found' });
    const ts = typeof params.ts === 'string' ? params.ts : undefined;
    const target = messages.find((m) => m.channel === id && m.ts === ts);
    if (!target || ts === undefined) return apiAnswer({ ok: false, error: 'message_not_found' });
    const invalid = validateSlackPayload(params);
    if (invalid) return apiAnswer({ ok: false, error: invalid });
    const blocks = blocksOf(params.blocks);
    if (typeof params.text === 'string') target.text = params.text;
    if (blocks) target.blocks = blocks;
    target.edits++;
    updates.push({
      channel: id,
      ts,
      ...(typeof params.text === 'string' ? { text: params.text } : {}),
      ...(blocks ? { blocks } : {}),
      at: now(),
    });
    return apiAnswer({ ok: true, channel: id, ts, text: target.text ?? '' });
  };

  const webhook = (path: string, body: string, contentType: string): { channel?: string; answer: Answer } => {
    const channel = webhookPaths.get(path);
    if (channel === undefined) return { answer: webhookAnswer(404, 'no_service') };
    const failure = takeFailure('webhook', channel);
    if (failure) {
      const status = failure.status ?? WEBHOOK_STATUS[failure.error ?? ''] ?? 400;
      if (status === 429)
        return { channel, answer: webhookAnswer(429, failure.error ?? 'rate_limited', failure.retryAfter ?? 1) };
      return {
        channel,
        answer: webhookAnswer(status, failure.error ?? (status >= 500 ? 'internal_error' : 'invalid_payload')),
      };
    }
    const id = addressed(channel);
    if (id === undefined || !exists(id)) return { channel, answer: webhookAnswer(404, 'channel_not_found') };
    let params = parseParams(body, contentType);
    // Slack also takes a form field `payload` holding the JSON.
    if (params && typeof params.payload === 'string' && !contentType.includes('application/json')) {
      params = parseParams(params.payload, 'application/json');
    }
    if (!params) return { channel, answer: webhookAnswer(400, 'invalid_payload') };
    const wait = limited(id);
    if (wait !== undefined) return { channel, answer: webhookAnswer(429, 'rate_limited', wait) };
    const invalid = validateSlackPayload(params);
    if (invalid)
      return { channel, answer: webhookAnswer(400, invalid === 'invalid_arguments' ? 'invalid_payload' : invalid) };
    accept(id, params, 'webhook');
    return { channel, answer: webhookAnswer(200, 'ok') };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const contentType = request.headers['content-type'] ?? '';
    let answer: Answer;
    if (request.method !== 'POST') {
      answer = record('unknown', undefined, webhookAnswer(405, 'method_not_allowed'));
    } else if (body === undefined) {
      answer = record(path, undefined, webhookAnswer(413, 'request_too_large'));
    } else if (path.startsWith('/api/')) {
      const method = path.slice(5);
      const params = parseParams(body, contentType);
      answer = params
        ? record(
            method,
            typeof params.channel === 'string' ? params.channel : undefined,
            api(method, params, request.headers.authorization),
          )
        : record(method, undefined, apiAnswer({ ok: false, error: 'invalid_json' }));
    } else if (path.startsWith('/services/')) {
      const result = webhook(path, body, contentType);
      answer = record('webhook', result.channel, result.answer);
    } else {
      answer = record(path, undefined, webhookAnswer(404, 'not_found'));
    }
    if (delay.left > 0) {
      delay.left--;
      await new Promise<void>((resolve) => {
        const pending = { timer: setTimeout(() => (waiting.delete(pending), resolve()), delay.ms), resolve };
        waiting.add(pending);
      });
    }
    if (response.destroyed) return;
    response.writeHead(answer.status, {
      'content-type': answer.contentType,
      ...(answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {}),
    });
    response.end(answer.body);
  };

  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer((request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const stop = async (): Promise<void> => {
    const current = server;
    if (!current) return;
    server = undefined;
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    waiting.clear();
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await listen();
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    port,
    token,
    channelId,
    webhookUrl(channel) {
      let path = webhooks.get(channel);
      if (path === undefined) {
        path = `/services/T0KAUDIT/B${String(webhooks.size).padStart(7, '0')}/${encodeURIComponent(channel)}-secret`;
        webhooks.set(channel, path);
        webhookPaths.set(path, channel);
      }
      return `${url}${path}`;
    },
    messages: (channel) =>
      messages.filter((m) => m.threadTs === undefined && (channel === undefined || m.channel === addressed(channel))),
    replies: (threadTs) => messages.filter((m) => m.threadTs === threadTs),
    acceptedAt: (channel) =>
      messages.filter((m) => channel === undefined || m.channel === addressed(channel)).map((m) => m.at),
    get updates() {
      return updates;
    },
    get calls() {
      return calls;
    },
    get rateLimited() {
      return rateLimited;
    },
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    slow(ms, times = Infinity) {
      delay = { ms, left: ms > 0 ? times : 0 };
    },
    down: stop,
    up: async () => {
      if (!server) await listen();
    },
    async outage(ms) {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, ms));
      await listen();
    },
    reset() {
      messages = [];
      updates = [];
      calls = [];
      rateLimited = 0;
      failures = [];
      delay = { ms: 0, left: 0 };
      limit?.reset();
    },
    close: stop,
  };
}
