// The live bench's reference: a bare `ws` WebSocketServer in a process of its own, speaking just
// enough of the live protocol for the same client process (any token is accepted: no auth, no
// Fastify, no query). POST /v1/events takes the same batches as Sightline, keeps per lane the
// highest `value` seen, answers `{accepted, duplicates}` and then pushes every topic's "result" (the
// same columns and rows Sightline's query would give) to the topic's listeners, each topic at most
// `updatesPerSecond` times a second, with the same scheduling as Sightline's live queries: at once
// if the topic has not been pushed within the last 1/rate seconds, else when that much time has
// passed. Each frame is built once per topic and written to every listener.
// Usage: node bench/lib/live-bare-server.js <updatesPerSecond> <lanes>
import http from 'node:http';
import { WebSocketServer } from 'ws';

const updatesPerSecond = Number(process.argv[2] ?? 4);
const lanes = Number(process.argv[3] ?? 50);
const minIntervalMs = 1000 / updatesPerSecond;
const laneSeq = new Array(lanes).fill(0);
const laneCount = new Array(lanes).fill(0);
/** topic → { listeners, lastRunAt, timer } */
const topics = new Map();
const topicOfQuery = new Map();

function frameOf(topic) {
  const rows = [];
  for (let l = 0; l < lanes; l++) if (laneCount[l] > 0) rows.push([`lane-${l}`, laneCount[l], laneSeq[l]]);
  const data = {
    columns: [
      { name: 'actor', type: 'string' },
      { name: 'n', type: 'integer' },
      { name: 'seq', type: 'number' },
    ],
    rows,
    meta: { took_ms: 0, cached: false },
  };
  return Buffer.from(JSON.stringify({ type: 'update', topic, data }));
}

function push(entry) {
  entry.timer = undefined;
  entry.lastRunAt = performance.now();
  const frame = frameOf(entry.topic);
  for (const socket of entry.listeners) socket.send(frame, { binary: false });
}

function schedule(entry) {
  if (entry.timer) return;
  const wait = entry.lastRunAt + minIntervalMs - performance.now();
  if (wait <= 0) push(entry);
  else entry.timer = setTimeout(() => push(entry), wait);
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    let listeners = 0;
    for (const entry of topics.values()) listeners += entry.listeners.size;
    response.setHeader('content-type', 'application/json');
    return response.end(JSON.stringify({ connections: wss.clients.size, topics: topics.size, listeners }));
  }
  if (request.method !== 'POST' || request.url !== '/v1/events') {
    response.statusCode = 404;
    return response.end();
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(chunks).toString());
    for (const e of events) {
      const l = Number(e.actor.slice(5));
      laneCount[l]++;
      if (e.value > laneSeq[l]) laneSeq[l] = e.value;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ accepted: events.length, duplicates: 0 }));
    for (const entry of topics.values()) schedule(entry);
  });
});

const wss = new WebSocketServer({ server, path: '/v1/live', perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  const mine = new Set();
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return socket.send(JSON.stringify({ type: 'error', code: 'invalid_message' }));
    }
    if (message.type === 'auth') return socket.send(JSON.stringify({ type: 'ready', heartbeat_ms: 30_000 }));
    if (message.type === 'subscribe' && message.query) {
      const key = JSON.stringify(message.query);
      let topic = topicOfQuery.get(key);
      if (!topic) topicOfQuery.set(key, (topic = `query:${topicOfQuery.size}`));
      let entry = topics.get(topic);
      if (!entry) topics.set(topic, (entry = { topic, listeners: new Set(), lastRunAt: 0, timer: undefined }));
      entry.listeners.add(socket);
      mine.add(entry);
      socket.send(JSON.stringify({ type: 'subscribed', topic }));
      socket.send(frameOf(topic), { binary: false });
    }
  });
  socket.on('close', () => {
    for (const entry of mine) entry.listeners.delete(socket);
  });
  socket.on('error', () => undefined);
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening at http://127.0.0.1:${server.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
