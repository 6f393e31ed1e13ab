// The live bench's client process: opens N WebSocket connections to /v1/live (a bounded number of
// handshakes at a time), authenticates each and subscribes connection i to query i % Q. A few
// connections per query ("sampled", spread over the query's listeners in the order they
// subscribed) parse every update and note when each ingest batch first shows in their result; the
// others only count their messages, so that parsing 10,000 streams does not make this process the
// bottleneck. Driven by its parent over IPC (see startClients below).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { round, summary, wallNow } from './live-stats.js';

/**
 * Forks the client process. Returns `{ child, connect(), settle(answers), report(answers), close() }`:
 * each sends one command and resolves with the process's answer.
 */
export function startClients(options) {
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map();
  let failure;
  child.on('message', (message) => {
    const resolve = waiting.get(message.reply);
    waiting.delete(message.reply);
    resolve?.(message);
  });
  child.on('exit', (code) => {
    failure = new Error(`live client process exited with ${code}`);
    for (const resolve of waiting.values()) resolve({ error: failure.message });
    waiting.clear();
  });
  const ask = (command, extra = {}) =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(command, (message) => (message.error ? reject(new Error(message.error)) : resolve(message)));
      child.send({ command, ...extra });
    });
  return {
    child,
    connect: () => ask('connect', { options }),
    /** Pairs (sampled connection, batch) still unseen, for the answered batches given. */
    pending: (answers) => ask('pending', { answers }),
    report: (answers) => ask('report', { answers }),
    close: async () => {
      if (failure) return;
      await ask('close').catch(() => undefined);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * One probe connection, alone (the caller runs them one after the other, from a process that does
 * little else): open, authenticate, subscribe to `query`, wait for its first update, close. Resolves
 * with the milliseconds from `new WebSocket()` to the socket's open event (`open`), to the `ready`
 * message (`ready`), and from the subscribe message to the first update (`subscribe`).
 */
export function probeConnect(url, token, query, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const times = {};
    let subscribedAt = 0;
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`probe connection: no first update within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('open', () => {
      times.open = performance.now() - t0;
      socket.send(JSON.stringify({ type: 'auth', token }));
    });
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'ready') {
        times.ready = performance.now() - t0;
        subscribedAt = performance.now();
        socket.send(JSON.stringify({ type: 'subscribe', query }));
      } else if (message.type === 'update' && times.subscribe === undefined) {
        times.subscribe = performance.now() - subscribedAt;
        clearTimeout(timer);
        socket.terminate();
        resolve(times);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        socket.terminate();
        reject(new Error(`probe connection: ${data.toString()}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

// ---- the client process itself ----

const UPDATE_PREFIX = Buffer.from('{"type":"update"');

class Clients {
  constructor(options) {
    this.o = options;
    this.sockets = [];
    this.openMs = [];
    this.readyMs = [];
    this.firstUpdateMs = [];
    this.failures = {};
    this.unexpectedCloses = {};
    this.errors = {};
    this.updates = 0; // updates after each connection's first one
    this.tookMs = []; // meta.took_ms of the updates of one sampled connection per query, after its first update
    this.sampled = new Map(); // connection index → { query, seen: number[], firstSeen: number[][] }
    this.chooseSampled();
  }

  /** For each query, `samplePerQuery` of its listeners, evenly spread from the first to the last. */
  chooseSampled() {
    const { connections, queries, samplePerQuery, lanes } = this.o;
    for (let q = 0; q < queries; q++) {
      const listeners = Math.ceil((connections - q) / queries);
      if (listeners <= 0) continue;
      const picks = Math.min(samplePerQuery, listeners);
      for (let s = 0; s < picks; s++) {
        const j = picks === 1 ? 0 : Math.round((s * (listeners - 1)) / (picks - 1));
        this.sampled.set(q + j * queries, { query: q, recordTook: s === 0, seen: new Array(lanes).fill(0), firstSeen: Array.from({ length: lanes }, () => []) });
      }
    }
  }

  fail(map, key) {
    map[key] = (map[key] ?? 0) + 1;
  }

  connect() {
    const { connections, concurrency, url, token, queryBodies } = this.o;
    return new Promise((resolve) => {
      let next = 0;
      let inFlight = 0;
      let done = 0;
      const started = performance.now();
      let lastProgress = started;
      const finish = () => {
        done++;
        if (performance.now() - lastProgress > 5000) {
          lastProgress = performance.now();
          process.stderr.write(`  live clients: ${done}/${connections} subscribed\n`);
        }
        if (done === connections) resolve((performance.now() - started) / 1000);
      };
      const launch = () => {
        while (inFlight < concurrency && next < connections) open(next++);
      };
      const open = (i) => {
        inFlight++;
        const t0 = performance.now();
        const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 60_000 });
        this.sockets[i] = socket;
        const sample = this.sampled.get(i);
        let stage = 'open'; // open → auth → subscribe → live
        let subscribedAt = 0;
        const settleSlot = () => {
          inFlight--;
          launch();
        };
        socket.on('open', () => {
          this.openMs.push(performance.now() - t0);
          stage = 'auth';
          socket.send(JSON.stringify({ type: 'auth', token }));
        });
        socket.on('message', (data) => {
          if (stage === 'live' && !sample && data.length > UPDATE_PREFIX.length && data.compare(UPDATE_PREFIX, 0, UPDATE_PREFIX.length, 0, UPDATE_PREFIX.length) === 0) {
            this.updates++;
            return;
          }
          const now = wallNow();
          let message;
          try {
            message = JSON.parse(data.toString());
          } catch {
            return this.fail(this.errors, 'unparsable');
          }
          if (message.type === 'error') return this.fail(this.errors, message.code);
          if (stage === 'auth' && message.type === 'ready') {
            this.readyMs.push(performance.now() - t0);
            stage = 'subscribe';
            settleSlot();
            subscribedAt = performance.now();
            socket.send(JSON.stringify({ type: 'subscribe', query: queryBodies[i % queryBodies.length] }));
            return;
          }
          if (message.type !== 'update') return;
          if (stage === 'subscribe') {
            this.firstUpdateMs.push(performance.now() - subscribedAt);
            stage = 'live';
            finish();
          } else {
            this.updates++;
            if (sample?.recordTook && typeof message.data.meta?.took_ms === 'number') this.tookMs.push(message.data.meta.took_ms);
          }
          if (sample) this.note(sample, message.data, now);
        });
        socket.on('error', () => undefined); // 'close' follows
        socket.on('close', (code) => {
          if (this.closing) return;
          if (stage === 'live') return this.fail(this.unexpectedCloses, code);
          this.fail(this.failures, `${stage}:${code}`);
          if (stage === 'open' || stage === 'auth') settleSlot();
          stage = 'closed';
          finish();
        });
      };
      launch();
    });
  }

  /** Records, for each lane, the first time this connection saw each of the lane's batches. */
  note(sample, data, now) {
    const columns = data.columns.map((c) => c.name);
    const actor = columns.indexOf('actor');
    const seqColumn = columns.indexOf('seq');
    for (const row of data.rows) {
      const lane = Number(String(row[actor]).slice(5)); // "lane-<l>"
      const seq = row[seqColumn];
      if (!(lane >= 0 && lane < sample.seen.length) || typeof seq !== 'number') continue;
      for (let s = sample.seen[lane] + 1; s <= seq; s++) sample.firstSeen[lane][s] = now;
      if (seq > sample.seen[lane]) sample.seen[lane] = seq;
    }
  }

  pending(answers) {
    let unseen = 0;
    for (const sample of this.sampled.values()) for (const [lane, seq] of answers) if (sample.firstSeen[lane][seq] === undefined) unseen++;
    return unseen;
  }

  /**
   * Update latency: for each sampled connection and each answered batch, the time from the batch's
   * ingest answer to the first update of that connection that includes it (a batch never seen
   * counts as infinitely late). "first": the same from the first sampled listener of each query.
   */
  report(answers) {
    const perConnection = [];
    const firstByQuery = new Map();
    for (const sample of this.sampled.values()) {
      for (const [lane, seq, answeredAt] of answers) {
        const seenAt = sample.firstSeen[lane][seq];
        const latency = seenAt === undefined ? Infinity : seenAt - answeredAt;
        perConnection.push(latency);
        const key = `${sample.query}/${lane}/${seq}`;
        firstByQuery.set(key, Math.min(firstByQuery.get(key) ?? Infinity, latency));
      }
    }
    const missing = perConnection.filter((x) => x === Infinity).length;
    return {
      sampled_connections: this.sampled.size,
      latency_pairs: perConnection.length,
      missing_pairs: missing,
      ...summary(perConnection, 'update'),
      ...summary([...firstByQuery.values()], 'update_first_listener'),
      update_min_ms: round(perConnection.reduce((min, x) => Math.min(min, x), Infinity)),
      updates_received: this.updates,
      ...summary(this.tookMs, 'update_took'),
      errors: this.errors,
      unexpected_closes: this.unexpectedCloses,
    };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let clients;
  process.on('disconnect', () => process.exit(0)); // the parent is gone
  process.on('message', async (message) => {
    try {
      if (message.command === 'connect') {
        clients = new Clients(message.options);
        const seconds = await clients.connect();
        const open = summary(clients.openMs, 'open');
        const ready = summary(clients.readyMs, 'connect');
        const first = summary(clients.firstUpdateMs, 'subscribe');
        process.send({ reply: 'connect', seconds, connected: clients.readyMs.length, live: clients.firstUpdateMs.length, failures: clients.failures, errors: clients.errors, ...open, ...ready, ...first });
      } else if (message.command === 'pending') {
        process.send({ reply: 'pending', unseen: clients.pending(message.answers) });
      } else if (message.command === 'report') {
        process.send({ reply: 'report', ...clients.report(message.answers) });
      } else if (message.command === 'close') {
        clients.closing = true;
        for (const socket of clients.sockets) socket?.terminate();
        process.send({ reply: 'close' }, () => process.exit(0));
      }
    } catch (error) {
      process.send({ reply: message.command, error: String(error?.stack ?? error) });
    }
  });
}
