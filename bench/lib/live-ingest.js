// The live bench's ingest process: POST /v1/events at a steady rate from `lanes` lanes. A lane
// sends its batches one after the other (the next only once the previous was answered), batch s of
// lane l carrying `actor: "lane-<l>"` and `value: s` on each of its events. So a query result with
// `max(value)` of lane l ≥ s includes lane l's batch s: every earlier batch of the lane was stored
// before it was even sent. Each lane keeps to its schedule (catching up after a slow answer).
// Records for every batch the wall time its answer arrived. Driven over IPC (see runIngest).
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { round, summary, wallNow } from './live-stats.js';

/** Forks the ingest process with `options`; resolves with its figures and its answers `[lane, seq, wall ms]`. */
export function runIngest(options, onChild = () => undefined) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    onChild(child);
    let result;
    child.on('message', (message) => (result = message));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result && !result.error ? resolve(result) : reject(new Error(`live ingest process exited with ${code}: ${result?.error ?? ''}`))));
    child.send(options);
  });
}

/** The events of batch `seq` of lane `lane`. */
export function batchBody(lane, seq, size) {
  const ts = new Date().toISOString();
  const events = [];
  for (let i = 0; i < size; i++) events.push({ source: 'livebench', name: 'tick', ts, actor: `lane-${lane}`, value: seq, props: { shard: i % 100 } });
  return JSON.stringify({ events });
}

function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function ingest({ url, key, lanes, batchesPerSecond, eventsPerBatch, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const answers = [];
  const latencies = [];
  const failures = {};
  let accepted = 0;
  const laneInterval = (1000 * lanes) / batchesPerSecond;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  let lastAnswer = started;
  const lane = async (l) => {
    let due = started + (l * 1000) / batchesPerSecond;
    for (let seq = 1; due < end; seq++) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() >= end) break;
      const body = batchBody(l, seq, eventsPerBatch);
      const sentAt = performance.now();
      try {
        const { status, text } = await post(agent, url, headers, body);
        const answeredAt = wallNow();
        lastAnswer = performance.now();
        latencies.push(lastAnswer - sentAt);
        if (status === 200) {
          accepted += JSON.parse(text).accepted;
          answers.push([l, seq, answeredAt]);
        } else {
          failures[status] = (failures[status] ?? 0) + 1;
          if (Object.keys(failures).length === 1 && failures[status] === 1) process.stderr.write(`  live ingest: ${status} ${text.slice(0, 300)}\n`);
          return; // a lane stops at its first failure: its later batches could not prove the earlier ones stored
        }
      } catch (error) {
        failures[error.code ?? 'error'] = (failures[error.code ?? 'error'] ?? 0) + 1;
        return;
      }
      due += laneInterval;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, l) => lane(l)));
  agent.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPct = round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100, 1);
  const elapsed = (lastAnswer - started) / 1000;
  const latency = summary(latencies, 'answer');
  return {
    seconds: round(elapsed),
    batches: answers.length,
    events_accepted: accepted,
    events_per_s: Math.round(accepted / elapsed),
    answer_p50_ms: latency.answer_p50_ms,
    answer_p99_ms: latency.answer_p99_ms,
    answer_max_ms: latency.answer_max_ms,
    failures,
    cpu_pct: cpuPct,
    answers,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', async (options) => {
    try {
      const result = await ingest(options);
      process.send(result, () => process.exit(0));
    } catch (error) {
      process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
    }
  });
}
