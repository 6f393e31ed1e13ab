import type { LiveServerMessage } from '@sightline/protocol';
import WebSocket from 'ws';

/**
 * A raw live-channel client for tests: every message it receives is kept until `next` takes it
 * (`next` waits for the first one that matches).
 */
export class LiveTestClient {
  readonly messages: LiveServerMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(String(data)) as LiveServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    socket.on('error', () => undefined);
  }

  static async open(url: string, options: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {}): Promise<LiveTestClient> {
    const client = new LiveTestClient(new WebSocket(url.replace(/^http/, 'ws') + '/v1/live', options.protocols ?? [], { headers: options.headers, autoPong: options.autoPong ?? true }));
    await client.opened;
    return client;
  }

  /** Opens, authenticates with `token` and waits for `ready`. */
  static async ready(url: string, token: string): Promise<LiveTestClient> {
    const client = await LiveTestClient.open(url);
    client.send({ type: 'auth', token });
    await client.next((m) => m.type === 'ready');
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after those already taken) that matches; fails after `timeoutMs`. */
  async next<T extends LiveServerMessage = LiveServerMessage>(match: (m: LiveServerMessage) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.messages.length; i++) {
        if (match(this.messages[i])) {
          const found = this.messages[i];
          this.messages.splice(i, 1);
          return found as T;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching live message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Subscribes and returns the topic the server confirmed. */
  async subscribe(message: Record<string, unknown>): Promise<string> {
    this.send({ type: 'subscribe', ...message });
    const answer = await this.next((m) => m.type === 'subscribed' || m.type === 'error');
    if (answer.type !== 'subscribed') throw new Error(`subscription refused: ${JSON.stringify(answer)}`);
    return answer.topic;
  }

  updates(topic: string): LiveServerMessage[] {
    return this.messages.filter((m) => m.type === 'update' && m.topic === topic);
  }

  close(): void {
    this.socket.terminate();
  }
}
