import type { LiveClientMessage, LiveServerMessage } from '@sightline/protocol';
import { SightlineError, errorFromLiveMessage } from './errors.js';
import { WS_OPEN, messageText, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

export interface LiveSocketOptions {
  pingIntervalMs: number;
  /** Both the wait for `ready` after `auth` and the wait for an answer to a ping. */
  pongTimeoutMs: number;
  /** Outgoing messages per second at most (the server closes a flooding client with 1008). */
  maxMessagesPerSecond: number;
}

export interface LiveSocketClose {
  code: number;
  reason: string;
  /** Whether the server had answered `ready` before the socket closed. */
  wasReady: boolean;
  /**
   * The `error` message that announced the close, when there was one: any error before `ready`, or
   * a credentials error (`unauthorized`, `password_change_required`) after it, which the server
   * always follows with 4401 (a revoked key, an expired token).
   */
  error: SightlineError | undefined;
}

export interface LiveSocketHandlers {
  onReady(): void;
  /** Every message after `ready`, except pings and pongs (answered and consumed here). */
  onMessage(message: LiveServerMessage): void;
  /** Called exactly once, whatever ended the socket (including close() and terminate()). */
  onClose(info: LiveSocketClose): void;
}

/** Error codes after which the server closes the connection with 4401 (docs/live.md, "Authentication"). */
const CREDENTIAL_ERRORS = new Set(['unauthorized', 'password_change_required']);

/** The code we report for a socket we gave up on ourselves (no pong, no ready, no answer). */
export const ABNORMAL_CLOSE = 1006;

/**
 * One live connection, from open to close: first-message auth, the `ready` wait, app-level
 * ping/pong, and a send rate limit. It never reconnects; LiveClient makes a new one for that.
 */
export class LiveSocket {
  private ws: WebSocketLike | undefined;
  private ready = false;
  private finished = false;
  /** The error message that announced the close (see LiveSocketClose.error). */
  private closeError: SightlineError | undefined;
  private outbox: string[] = [];
  private tokens: number;
  private lastRefill = Date.now();
  private pumpTimer: ReturnType<typeof setTimeout> | undefined;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private pingId = 0;

  constructor(
    private readonly options: LiveSocketOptions,
    private readonly handlers: LiveSocketHandlers,
  ) {
    this.tokens = options.maxMessagesPerSecond;
  }

  get isReady(): boolean {
    return this.ready && !this.finished;
  }

  /** Opens the socket and authenticates with `token` in the first message (never in the URL). */
  open(WebSocketImpl: WebSocketConstructor, url: string, token: string): void {
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(url);
    } catch (cause) {
      const error = new SightlineError(`live: cannot open ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'live_error', cause });
      this.finish(ABNORMAL_CLOSE, 'cannot open', error);
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.finished) return;
      ws.send(JSON.stringify({ type: 'auth', token } satisfies LiveClientMessage));
      this.tokens -= 1;
    });
    ws.addEventListener('message', (event: { data?: unknown }) => this.onRaw(event.data));
    ws.addEventListener('close', (event: { code?: unknown; reason?: unknown }) => {
      this.finish(typeof event.code === 'number' ? event.code : ABNORMAL_CLOSE, typeof event.reason === 'string' ? event.reason : '', this.closeError);
    });
    // An 'error' event is always followed by 'close'; the close carries what we need.
    ws.addEventListener('error', () => undefined);
    // The timer runs from the start, so a TCP connect that hangs counts too.
    this.readyTimer = setTimeout(() => this.terminate('no ready within the timeout'), this.options.pongTimeoutMs);
  }

  /** Queues a message; it leaves once the socket is ready and the rate limit allows. */
  send(message: LiveClientMessage): void {
    if (this.finished) return;
    this.outbox.push(JSON.stringify(message));
    this.pump();
  }

  /** A clean close, e.g. by the user. */
  close(code = 1000, reason = ''): void {
    if (this.finished) return;
    try {
      this.ws?.close(code, reason);
    } catch {
      // already closing
    }
    this.finish(code, reason, undefined);
  }

  /**
   * Gives up on a connection that stopped answering. close() alone could wait a long time for the
   * closing handshake of a dead TCP connection, so `ws`'s terminate() is used where it exists.
   */
  terminate(reason: string): void {
    if (this.finished) return;
    const ws = this.ws as (WebSocketLike & { terminate?: () => void }) | undefined;
    try {
      if (typeof ws?.terminate === 'function') ws.terminate();
      else ws?.close(4000, reason);
    } catch {
      // already closed
    }
    this.finish(ABNORMAL_CLOSE, reason, new SightlineError(`live: ${reason}`, { code: 'live_error', retryable: true }));
  }

  private onRaw(data: unknown): void {
    if (this.finished) return;
    const text = messageText(data);
    let message: LiveServerMessage;
    try {
      // The server's messages are its contract (LiveServerMessage); only `type` is relied on blindly.
      message = JSON.parse(text ?? '') as LiveServerMessage;
    } catch {
      return; // not JSON: nothing we can act on
    }
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
    // Any message proves the connection is alive; the server answers in order, so a pong stuck
    // behind a burst of updates is no sign of death.
    this.clearPongDeadline();
    switch (message.type) {
      case 'ping':
        this.send(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id });
        return;
      case 'pong':
        return;
      case 'ready':
        if (this.ready) return;
        this.ready = true;
        clearTimeout(this.readyTimer);
        this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
        this.handlers.onReady();
        this.pump();
        return;
      case 'error':
        if (!this.ready || (message.topic === undefined && CREDENTIAL_ERRORS.has(message.code))) {
          // Before `ready` an error is about the auth; after it, a credentials error announces the
          // 4401 close that follows. Either way the close carries it, so it is told once, with the
          // server's detail, and the close policy decides whether it is worth telling at all (an
          // expired token that a token function replaces is not). Passed on as a message, it would
          // also be taken for the refusal of a subscribe in flight.
          this.closeError = errorFromLiveMessage(message);
          return;
        }
        break;
      default:
        if (!this.ready) return;
    }
    this.handlers.onMessage(message);
  }

  private ping(): void {
    if (this.pongDeadline !== undefined) return;
    this.send({ type: 'ping', id: ++this.pingId });
    this.pongDeadline = setTimeout(() => this.terminate('no answer to ping'), this.options.pongTimeoutMs);
  }

  private clearPongDeadline(): void {
    if (this.pongDeadline !== undefined) clearTimeout(this.pongDeadline);
    this.pongDeadline = undefined;
  }

  /** A token bucket: up to maxMessagesPerSecond at once, refilled continuously. */
  private pump(): void {
    if (!this.ready || this.finished || this.ws === undefined || this.pumpTimer !== undefined) return;
    const now = Date.now();
    const rate = this.options.maxMessagesPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    while (this.outbox.length > 0 && this.tokens >= 1 && this.ws.readyState === WS_OPEN) {
      this.ws.send(this.outbox.shift()!);
      this.tokens -= 1;
    }
    if (this.outbox.length > 0) {
      const wait = Math.ceil(((1 - this.tokens) / rate) * 1000);
      this.pumpTimer = setTimeout(() => {
        this.pumpTimer = undefined;
        this.pump();
      }, Math.max(1, wait));
    }
  }

  private finish(code: number, reason: string, error: SightlineError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.readyTimer);
    clearTimeout(this.pumpTimer);
    clearInterval(this.pingTimer);
    this.clearPongDeadline();
    this.outbox = [];
    this.handlers.onClose({ code, reason, wasReady: this.ready, error });
  }
}
