/**
 * The HTTP bench's load process (run by bench/http.mjs, never in the process of the servers it measures):
 * posts `EventList` bodies with autocannon and prints what it measured as JSON on stdout.
 *
 * Usage: node bench/http-load.mjs '{"events":"/tmp/x.jsonl","eventsPerBody":400,"sequence":0,"runs":[...]}'
 *   events         JSON lines file: the events bodies are made of
 *   eventsPerBody  events per EventList
 *   sequence       first event number (the previous load process's last `sequence`, so IDs never repeat)
 *   runs           [{ "name", "url", "connections", "duration" (s), "overallRate"? (requests/s) }], run in order
 * Prints { sequence, results: [{ name, requests, ok (2xx), non2xx, errors, timeouts, seconds, eventsPerSecond,
 *   latency: { p50, p99, mean } }] } (latency in ms).
 *
 * Every body is distinct, as the API server's are: each event gets a fresh auditID and an event time
 * 1 ms after the previous event's, written in place into a prepared body. A receiver that drops
 * byte-identical redeliveries (kaudit does) must therefore process every request, and its windows move
 * on with event time as they would in production.
 */
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import autocannon from 'autocannon';

const args = JSON.parse(process.argv[2]);
const lines = readFileSync(args.events, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
const perBody = args.eventsPerBody;
const ID = 'b0000000-0000-4000-8000-@@@@@@@@@@@@';
const TIME = '@@@@-@@-@@T@@:@@:@@.@@@Z';
const START = Date.parse('2026-11-26T12:00:00Z');

/** A body with placeholders, and the byte offsets of each event's auditID and two timestamps. */
function template(offset) {
  const items = [];
  for (let i = 0; i < perBody; i++) {
    const event = JSON.parse(lines[(offset + i) % lines.length]);
    event.auditID = ID;
    event.requestReceivedTimestamp = TIME;
    event.stageTimestamp = TIME;
    items.push(JSON.stringify(event));
  }
  const body = Buffer.from(
    `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(',')}]}`,
    'utf8',
  );
  const ids = [];
  const times = [];
  for (let at = body.indexOf(ID); at !== -1; at = body.indexOf(ID, at + 1)) ids.push(at);
  for (let at = body.indexOf(TIME); at !== -1; at = body.indexOf(TIME, at + 1)) times.push(at);
  if (ids.length !== perBody || times.length !== 2 * perBody)
    throw new Error('[bench] placeholder found in event data');
  return { body, ids, times };
}

// A few different slices of the input, so consecutive bodies do not carry the same events.
const templates = [0, 1, 2, 3].map((k) => template(k * perBody));
let sequence = args.sequence;

/** The next body: a template with fresh IDs and times written over the placeholders. */
function nextBody() {
  const t = templates[Math.floor(sequence / perBody) % templates.length];
  for (let i = 0; i < perBody; i++, sequence++) {
    t.body.write(String(sequence).padStart(12, '0'), t.ids[i] + 24, 'latin1');
    const time = new Date(START + sequence).toISOString();
    t.body.write(time, t.times[2 * i], 'latin1');
    t.body.write(time, t.times[2 * i + 1], 'latin1');
  }
  // autocannon copies the body into its request buffer at once, so the template can be rewritten next time.
  return t.body;
}

const results = [];
for (const run of args.runs) {
  const url = new URL(run.url);
  const result = await autocannon({
    url: url.origin,
    connections: run.connections,
    duration: run.duration,
    ...(run.overallRate ? { overallRate: run.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: nextBody() }),
      },
    ],
  });
  const ok = result['2xx'];
  results.push({
    name: run.name,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    eventsPerSecond: (ok * perBody) / result.duration,
    latency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean },
  });
}
process.stdout.write(JSON.stringify({ sequence, results }));
