import net from 'node:net';

/**
 * - `pass`: forward everything.
 * - `refuse-websocket`: close any connection whose first request asks for a WebSocket upgrade (and
 *   the WebSocket connections already open); plain HTTP passes.
 * - `refuse-all`: close every connection, new and open (a network outage).
 */
export type FaultMode = 'pass' | 'refuse-websocket' | 'refuse-all';

/** Which open connections a one-off fault (`dropConnections`, `blackhole`) hits. */
export type ConnectionKind = 'websocket' | 'all';

export interface SeenRequest {
  method: string;
  path: string;
  upgrade: boolean;
  /** The request's headers, names in lower case. */
  headers: Record<string, string>;
  /** Date.now() when the proxy read the request head. */
  at: number;
  /** The body as text, once it has been read in full (bodies above 1 MiB are not kept). */
  body?: string;
  /** The status of the answer, once its head went back through the proxy (or the proxy answered). */
  status?: number;
  /** Date.now() when that answer's head was seen. */
  answeredAt?: number;
  /** The proxy answered this request itself (`answerUnavailable`); the server never saw it. */
  answeredByProxy?: boolean;
}

/** A WebSocket message as seen on the wire: the text parsed as JSON (or `{ raw }` when it is not JSON). */
export type SeenMessage = Record<string, unknown>;

export interface SeenWebSocket {
  /** The upgrade request. */
  request: SeenRequest;
  /** Whether the server accepted the upgrade (answered 101). */
  accepted: boolean;
  /** Text messages from the client, in order (blackholed ones included: they were sent, not delivered). */
  readonly sent: SeenMessage[];
  /** Text messages from the server, in order. */
  readonly received: SeenMessage[];
  /** Protocol-level control frames, by direction. */
  readonly frames: { serverPings: number; clientPongs: number; clientPings: number; serverPongs: number };
  /** Set by `blackhole`: from then on nothing is forwarded either way, and nothing is closed. */
  blackholed: boolean;
  /** The proxy's side of the connection has closed. */
  closed: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Every HTTP request head that came through (refused ones included), in order. */
  readonly requests: SeenRequest[];
  /** Every WebSocket upgrade that came through, in order, with the messages seen on it. */
  readonly websockets: SeenWebSocket[];
  setMode(mode: FaultMode): void;
  /**
   * The answers of the next requests for which `lose(request)` is true are lost: the request
   * reaches the server, which acts on it, and the client's connection is cut when the answer
   * comes back. The client cannot know whether it was done: the case idempotency keys are for.
   */
  loseAnswers(lose: ((request: SeenRequest) => boolean) | undefined): void;
  /**
   * The next HTTP requests (not WebSocket upgrades) for which `answer(request)` is true never reach the server: the proxy
   * reads each one in full and answers it itself with `503 Service Unavailable`, an HTML body and
   * `Connection: close` (plus `Retry-After` when `retryAfterSeconds` is given), the way a load
   * balancer answers while its upstream is down.
   */
  answerUnavailable(answer: ((request: SeenRequest) => boolean) | undefined, options?: { retryAfterSeconds?: number }): void;
  /** Cuts the connections of that kind open now (the peer sees a reset); new ones pass. Answers how many. */
  dropConnections(kind: ConnectionKind): number;
  /**
   * The connections of that kind open now go silent: bytes are no longer forwarded either way, and
   * neither side is closed (a dead peer, a pulled cable). New connections pass. Answers how many.
   */
  blackhole(kind?: ConnectionKind): number;
  /** Connections open now, WebSocket ones included. */
  openConnections(): number;
  /** Connections cut because of the mode (refused WebSocket upgrades, `refuse-all`). */
  refused(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  websocket: SeenWebSocket | undefined;
  blackholed: boolean;
  /** The proxy answers the client itself; the upstream is gone and its close must not cut the client. */
  detached: boolean;
}

const MAX_KEPT_BODY = 1024 * 1024;

/** What an HAProxy answers when no server is available. */
const UNAVAILABLE_BODY = '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';

/**
 * A real TCP proxy in front of a real server, with switchable faults. It reads just enough HTTP
 * (request and response heads, Content-Length and chunked bodies) and WebSocket framing to record
 * what goes through; it answers nothing itself except when told to (`answerUnavailable`).
 * Clients are assumed not to pipeline (fetch/undici and `ws` do not): a connection carries one
 * request at a time.
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let lose: ((request: SeenRequest) => boolean) | undefined;
  let unavailable: { answer: (request: SeenRequest) => boolean; retryAfterSeconds: number | undefined } | undefined;
  const requests: SeenRequest[] = [];
  const websockets: SeenWebSocket[] = [];
  const pairs = new Set<Pair>();
  let refused = 0;

  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    if (pair.websocket) pair.websocket.closed = true;
    pairs.delete(pair);
  };

  const matches = (pair: Pair, kind: ConnectionKind) => kind === 'all' || pair.websocket !== undefined;

  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: undefined, websocket: undefined, blackholed: false, detached: false };
    pairs.add(pair);
    client.on('error', () => cut(pair));
    client.on('close', () => cut(pair));
    if (mode === 'refuse-all') {
      refused++;
      return cut(pair);
    }

    const requestReader = new RequestReader();
    /** Requests sent upstream whose answer has not come back yet, oldest first. */
    const awaiting: SeenRequest[] = [];
    const responseReader = new ResponseReader(
      () => awaiting[0],
      (status) => {
        const request = awaiting.shift();
        if (request) {
          request.status = status;
          request.answeredAt = Date.now();
        }
      },
    );
    let clientFrames: FrameReader | undefined;
    let serverFrames: FrameReader | undefined;
    let doomed = false; // the answer of a request on this connection is to be lost
    let answering: SeenRequest | undefined; // the proxy answers this request itself
    let answered = false;
    let pending: Buffer[] = []; // client bytes held until the first request head is read

    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => !pair.detached && cut(pair));
    upstream.on('close', () => !pair.detached && cut(pair));
    upstream.on('data', (chunk: Buffer) => {
      if (pair.detached) return;
      if (serverFrames) serverFrames.push(chunk);
      else {
        const rest = responseReader.push(chunk);
        if (rest !== undefined && pair.websocket) {
          // 101: the rest of the stream is WebSocket frames.
          const ws = pair.websocket;
          ws.accepted = true;
          serverFrames = new FrameReader(
            (text) => ws.received.push(parseMessage(text)),
            (opcode) => {
              if (opcode === PING) ws.frames.serverPings++;
              if (opcode === PONG) ws.frames.serverPongs++;
            },
          );
          serverFrames.push(rest);
        }
      }
      if (doomed) return cut(pair);
      if (pair.blackholed) return;
      client.write(chunk);
    });

    const answerItself = (request: SeenRequest) => {
      if (answered) return;
      answered = true;
      const retryAfter = unavailable?.retryAfterSeconds;
      request.status = 503;
      request.answeredAt = Date.now();
      request.answeredByProxy = true;
      const head = [
        'HTTP/1.1 503 Service Unavailable',
        'content-type: text/html',
        ...(retryAfter === undefined ? [] : [`retry-after: ${retryAfter}`]),
        `content-length: ${Buffer.byteLength(UNAVAILABLE_BODY)}`,
        'connection: close',
      ];
      client.end(`${head.join('\r\n')}\r\n\r\n${UNAVAILABLE_BODY}`);
    };

    client.on('data', (chunk: Buffer) => {
      if (pair.websocket) {
        clientFrames?.push(chunk);
        if (!pair.blackholed) upstream.write(chunk);
        return;
      }
      if (answering) {
        requestReader.push(chunk);
        if (requestReader.between) answerItself(answering);
        return;
      }
      const { heads, rest } = requestReader.push(chunk);
      for (const head of heads) {
        requests.push(head);
        if (head.upgrade) {
          const ws: SeenWebSocket = {
            request: head,
            accepted: false,
            sent: [],
            received: [],
            frames: { serverPings: 0, clientPongs: 0, clientPings: 0, serverPongs: 0 },
            blackholed: false,
            closed: false,
          };
          pair.websocket = ws;
          websockets.push(ws);
          clientFrames = new FrameReader(
            (text) => ws.sent.push(parseMessage(text)),
            (opcode) => {
              if (opcode === PING) ws.frames.clientPings++;
              if (opcode === PONG) ws.frames.clientPongs++;
            },
          );
          if (mode === 'refuse-websocket') {
            refused++;
            return cut(pair);
          }
          clientFrames.push(rest);
        } else if (unavailable?.answer(head)) {
          // Nothing of this request goes upstream (at most the start of its head did, which the
          // server cannot act on); the proxy answers once the body is in.
          answering = head;
          pair.detached = true;
          upstream.destroy();
          if (requestReader.between) answerItself(head);
          return;
        }
        awaiting.push(head);
        if (lose?.(head)) doomed = true;
      }
      if (!requestReader.sawHead) {
        pending.push(chunk);
        return;
      }
      for (const held of pending) upstream.write(held);
      pending = [];
      if (!pair.blackholed) upstream.write(chunk);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    websockets,
    setMode(next) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'refuse-all' || (next === 'refuse-websocket' && pair.websocket)) cut(pair);
      }
    },
    loseAnswers(predicate) {
      lose = predicate;
    },
    answerUnavailable(answer, options = {}) {
      unavailable = answer === undefined ? undefined : { answer, retryAfterSeconds: options.retryAfterSeconds };
    },
    dropConnections(kind) {
      const hit = [...pairs].filter((p) => matches(p, kind));
      for (const pair of hit) cut(pair);
      return hit.length;
    },
    blackhole(kind = 'websocket') {
      const hit = [...pairs].filter((p) => matches(p, kind) && !p.blackholed);
      for (const pair of hit) {
        pair.blackholed = true;
        if (pair.websocket) pair.websocket.blackholed = true;
      }
      return hit.length;
    },
    openConnections: () => pairs.size,
    refused: () => refused,
    close() {
      for (const pair of [...pairs]) cut(pair);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseMessage(text: string): SeenMessage {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as SeenMessage;
  } catch {
    // not JSON: kept as it came
  }
  return { raw: text };
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/**
 * Reads a message body framed by Content-Length or chunked encoding, a piece at a time: `take`
 * answers how many bytes at the start of a buffer belong to the body; `done` is set after the last.
 */
class BodyReader {
  done: boolean;
  private state: 'length' | 'size' | 'data' | 'crlf' | 'trailer';
  private left: number;
  private line = '';
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  constructor(
    chunked: boolean,
    contentLength: number,
    private readonly keep: boolean,
  ) {
    this.state = chunked ? 'size' : 'length';
    this.left = chunked ? 0 : contentLength;
    this.done = !chunked && contentLength === 0;
  }

  /** The body as text, when it was kept and is not above MAX_KEPT_BODY. */
  text(): string | undefined {
    return this.keep && this.keptBytes <= MAX_KEPT_BODY ? Buffer.concat(this.kept).toString('utf8') : undefined;
  }

  take(buffer: Buffer): number {
    let used = 0;
    while (!this.done && used < buffer.length) {
      switch (this.state) {
        case 'length':
        case 'data': {
          const n = Math.min(this.left, buffer.length - used);
          this.store(buffer.subarray(used, used + n));
          this.left -= n;
          used += n;
          if (this.left > 0) break;
          if (this.state === 'length') this.done = true;
          else {
            this.state = 'crlf';
            this.left = 2;
          }
          break;
        }
        case 'crlf': {
          const n = Math.min(this.left, buffer.length - used);
          this.left -= n;
          used += n;
          if (this.left === 0) this.state = 'size';
          break;
        }
        case 'size':
        case 'trailer': {
          const newline = buffer.indexOf('\n', used);
          if (newline < 0) {
            this.line += buffer.subarray(used).toString('latin1');
            used = buffer.length;
            break;
          }
          this.line += buffer.subarray(used, newline + 1).toString('latin1');
          used = newline + 1;
          const line = this.line.trim();
          this.line = '';
          if (this.state === 'trailer') {
            // Trailer fields are skipped; the empty line ends the body.
            if (line === '') this.done = true;
          } else {
            const size = parseInt(line, 16);
            if (size === 0) this.state = 'trailer';
            else {
              this.state = 'data';
              this.left = size;
            }
          }
          break;
        }
      }
    }
    return used;
  }

  private store(bytes: Buffer): void {
    if (!this.keep || bytes.length === 0) return;
    this.keptBytes += bytes.length;
    if (this.keptBytes <= MAX_KEPT_BODY) this.kept.push(Buffer.from(bytes));
  }
}

/**
 * An incremental reader of the requests on one connection: heads, and bodies (Content-Length or
 * chunked) kept on the request. After an upgrade request it stops (the rest is not HTTP) and
 * hands back what followed the head.
 */
class RequestReader {
  sawHead = false;
  private buffer: Buffer = Buffer.alloc(0);
  private body: { reader: BodyReader; request: SeenRequest } | undefined;
  private stopped = false;

  /** No request is half read: the last one's body is in (or there was none yet). */
  get between(): boolean {
    return this.body === undefined && this.buffer.length === 0;
  }

  push(chunk: Buffer): { heads: SeenRequest[]; rest: Buffer } {
    if (this.stopped) return { heads: [], rest: chunk };
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const heads: SeenRequest[] = [];
    for (;;) {
      if (this.body) {
        const n = this.body.reader.take(this.buffer);
        this.buffer = this.buffer.subarray(n);
        if (!this.body.reader.done) return { heads, rest: Buffer.alloc(0) };
        this.body.request.body = this.body.reader.text();
        this.body = undefined;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return { heads, rest: Buffer.alloc(0) };
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.buffer = this.buffer.subarray(end + 4);
      const [method = '', path = ''] = lines[0]!.split(' ');
      const headers = parseHeaders(lines.slice(1));
      const upgrade = /websocket/i.test(headers.upgrade ?? '');
      const request: SeenRequest = { method, path, upgrade, headers, at: Date.now() };
      heads.push(request);
      this.sawHead = true;
      if (upgrade) {
        this.stopped = true;
        const rest = this.buffer;
        this.buffer = Buffer.alloc(0);
        return { heads, rest };
      }
      const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
      const reader = new BodyReader(chunked, chunked ? 0 : Number(headers['content-length'] ?? 0), true);
      if (reader.done) request.body = '';
      else this.body = { reader, request };
    }
  }
}

/**
 * An incremental reader of the answers on one connection, for their status. `push` answers the
 * bytes after a `101 Switching Protocols` head (WebSocket frames follow), undefined otherwise.
 */
class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private body: BodyReader | undefined;
  private stopped = false;

  constructor(
    private readonly current: () => SeenRequest | undefined,
    private readonly answered: (status: number) => void,
  ) {}

  push(chunk: Buffer): Buffer | undefined {
    if (this.stopped) return undefined;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.body) {
        this.buffer = this.buffer.subarray(this.body.take(this.buffer));
        if (!this.body.done) return undefined;
        this.body = undefined;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.buffer = this.buffer.subarray(end + 4);
      const status = Number(lines[0]!.split(' ')[1]);
      const headers = parseHeaders(lines.slice(1));
      const request = this.current();
      if (status === 101) {
        this.answered(status);
        this.stopped = true;
        return this.buffer;
      }
      if (status >= 100 && status < 200) continue; // 100 Continue: the real answer follows
      this.answered(status);
      if (request?.method === 'HEAD' || status === 204 || status === 304) continue;
      const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
      if (!chunked && headers['content-length'] === undefined) {
        // Delimited by the close of the connection: nothing more to read as HTTP.
        this.stopped = true;
        return undefined;
      }
      const reader = new BodyReader(chunked, chunked ? 0 : Number(headers['content-length']), false);
      if (!reader.done) this.body = reader;
    }
  }
}

const PING = 0x9;
const PONG = 0xa;

/**
 * An incremental reader of WebSocket frames (RFC 6455 §5.2), one direction of a connection:
 * unmasks client frames, joins fragmented text messages, and reports control frames.
 */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentedText = false;

  constructor(
    private readonly onText: (text: string) => void,
    private readonly onControl: (opcode: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const fin = (this.buffer[0]! & 0x80) !== 0;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const maskOffset = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ this.buffer[maskOffset + (i % 4)]!;
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode >= 0x8) {
        this.onControl(opcode);
        continue;
      }
      if (opcode === 0x1) this.fragmentedText = true;
      else if (opcode === 0x2) this.fragmentedText = false;
      if (this.fragmentedText) this.fragments.push(payload);
      if (fin) {
        if (this.fragmentedText) this.onText(Buffer.concat(this.fragments).toString('utf8'));
        this.fragments = [];
        this.fragmentedText = false;
      }
    }
  }
}
