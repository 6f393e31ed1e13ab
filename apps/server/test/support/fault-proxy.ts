import net from 'node:net';

/**
 * - `pass`: forward everything.
 * - `refuse-websocket`: close any connection whose first request asks for a WebSocket upgrade (and
 *   the WebSocket connections already open); plain HTTP passes.
 * - `refuse-all`: close every connection, new and open (a network outage).
 */
export type FaultMode = 'pass' | 'refuse-websocket' | 'refuse-all';

export interface SeenRequest {
  method: string;
  path: string;
  upgrade: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Every HTTP request head that came through (refused ones included), in order. */
  readonly requests: SeenRequest[];
  setMode(mode: FaultMode): void;
  /**
   * The answers of the next requests for which `lose(request)` is true are lost: the request
   * reaches the server, which acts on it, and the client's connection is cut when the answer
   * comes back. The client cannot know whether it was done: the case idempotency keys are for.
   */
  loseAnswers(lose: ((request: SeenRequest) => boolean) | undefined): void;
  /** Connections open now, WebSocket ones included. */
  openConnections(): number;
  /** Connections cut because of the mode (refused WebSocket upgrades, `refuse-all`). */
  refused(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  websocket: boolean;
}

/**
 * A real TCP proxy in front of a real server, with switchable faults. It reads just enough HTTP
 * (request heads, Content-Length and chunked bodies) to count requests and to spot upgrades on
 * keep-alive connections; it never answers anything itself.
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let lose: ((request: SeenRequest) => boolean) | undefined;
  const requests: SeenRequest[] = [];
  const pairs = new Set<Pair>();
  let refused = 0;

  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: undefined, websocket: false };
    pairs.add(pair);
    client.on('error', () => cut(pair));
    client.on('close', () => cut(pair));
    if (mode === 'refuse-all') {
      refused++;
      return cut(pair);
    }

    const parser = new RequestParser();
    let doomed = false; // the answer of a request on this connection is to be lost
    let pending: Buffer[] = []; // client bytes held until the first request head is read

    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => cut(pair));
    upstream.on('close', () => cut(pair));
    upstream.on('data', (chunk: Buffer) => {
      if (doomed) return cut(pair);
      client.write(chunk);
    });

    client.on('data', (chunk: Buffer) => {
      if (pair.websocket) {
        upstream.write(chunk);
        return;
      }
      const heads = parser.push(chunk);
      for (const head of heads) {
        requests.push(head);
        if (head.upgrade) {
          pair.websocket = true;
          if (mode === 'refuse-websocket') {
            refused++;
            return cut(pair);
          }
        }
        if (lose?.(head)) doomed = true;
      }
      if (!parser.sawHead) {
        pending.push(chunk);
        return;
      }
      for (const held of pending) upstream.write(held);
      pending = [];
      upstream.write(chunk);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setMode(next) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'refuse-all' || (next === 'refuse-websocket' && pair.websocket)) cut(pair);
      }
    },
    loseAnswers(predicate) {
      lose = predicate;
    },
    openConnections: () => pairs.size,
    refused: () => refused,
    close() {
      for (const pair of [...pairs]) cut(pair);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An incremental reader of request heads on one connection. After a head it skips the body
 * (Content-Length or chunked); after an upgrade request it stops (the rest is not HTTP).
 */
class RequestParser {
  sawHead = false;
  private buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private chunked = false;
  private stopped = false;

  push(chunk: Buffer): SeenRequest[] {
    if (this.stopped) return [];
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const heads: SeenRequest[] = [];
    for (;;) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, this.buffer.length);
        this.buffer = this.buffer.subarray(n);
        this.bodyLeft -= n;
        if (this.bodyLeft > 0) return heads;
      }
      if (this.chunked) {
        if (!this.skipChunk()) return heads;
        continue;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return heads;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.buffer = this.buffer.subarray(end + 4);
      const [method = '', path = ''] = lines[0]!.split(' ');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const upgrade = /websocket/i.test(headers.get('upgrade') ?? '');
      heads.push({ method, path, upgrade });
      this.sawHead = true;
      if (upgrade) {
        this.stopped = true;
        return heads;
      }
      this.chunked = /chunked/i.test(headers.get('transfer-encoding') ?? '');
      this.bodyLeft = this.chunked ? 0 : Number(headers.get('content-length') ?? 0);
    }
  }

  /** Skips one chunk of a chunked body; answers false when more bytes are needed. */
  private skipChunk(): boolean {
    const lineEnd = this.buffer.indexOf('\r\n');
    if (lineEnd < 0) return false;
    const size = parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
    if (size === 0) {
      // The last chunk: no trailers are sent by the clients we test, so "0\r\n\r\n".
      if (this.buffer.length < lineEnd + 4) return false;
      this.buffer = this.buffer.subarray(lineEnd + 4);
      this.chunked = false;
      return true;
    }
    if (this.buffer.length < lineEnd + 2 + size + 2) return false;
    this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
    return true;
  }
}
