import type { LiveEvent, LiveServerMessage } from '@sightline/protocol';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import { TextFrame, writeFrame } from './frame.js';

/** Events held for one tail of a reader that is behind; older ones are dropped (and counted) first. */
const MAX_PENDING_EVENTS = 1000;

/** What a subscription needs to stay allowed: the sources it reads. */
export interface Subscription {
  topic: string;
  sources: readonly string[];
}

/** What the upgrade request told about a connection. */
export interface Handshake {
  /** The client's address (after trusted proxies). */
  address: string;
  /** `Bearer <token>` when the handshake offered a `bearer.<token>` subprotocol. */
  credential: string | undefined;
  /** Records a refused authentication in the audit trail, with the upgrade request's id and address. */
  auditRefusal(reason: string): void;
}

export interface ConnectionLimits {
  messagesPerSecond: number;
  sendQueueBytes: number;
}

/**
 * One live client. Updates go out through a bounded queue: while more than `sendQueueBytes` are
 * written but not yet taken by the network, new updates wait here instead, and they coalesce — a
 * query topic keeps only its latest result, an events tail at most MAX_PENDING_EVENTS events — so a
 * client that stops reading costs a bounded amount of memory, however much is published.
 */
export class LiveConnection {
  principal: Principal | undefined;
  /** `Bearer <credential>`, kept to check the principal again when accounts change. */
  credential: string | undefined;
  readonly subscriptions = new Map<string, Subscription>();
  /** Answered the last heartbeat. */
  alive = true;
  closed = false;

  private inFlight = 0;
  private readonly pendingResults = new Map<string, TextFrame>();
  private readonly pendingEvents = new Map<string, { events: LiveEvent[]; dropped: number }>();
  private tokens: number;
  private lastRefill = performance.now();
  private refusedMessages = 0;

  constructor(
    readonly socket: WebSocket,
    readonly handshake: Handshake,
    private readonly limits: ConnectionLimits,
  ) {
    this.tokens = limits.messagesPerSecond * 2;
  }

  /** Bytes handed to the socket and not yet flushed, plus those waiting here (for tests and metrics). */
  get queuedBytes(): number {
    let waiting = 0;
    for (const frame of this.pendingResults.values()) waiting += frame.length;
    for (const { events } of this.pendingEvents.values()) waiting += events.length * 200; // an estimate: events are kept as objects
    return this.inFlight + waiting;
  }

  /**
   * Takes one incoming message from the connection's budget: `ok`, `refuse` (over the rate: answer
   * with an error), or `close` (still flooding after a burst's worth of refusals).
   */
  admitMessage(): 'ok' | 'refuse' | 'close' {
    const now = performance.now();
    const rate = this.limits.messagesPerSecond;
    this.tokens = Math.min(rate * 2, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedMessages = 0;
      return 'ok';
    }
    this.refusedMessages++;
    return this.refusedMessages > rate * 2 ? 'close' : 'refuse';
  }

  /** Answers and errors: small, one per incoming message, so they are never held back. */
  send(message: LiveServerMessage): void {
    this.write(TextFrame.of(message));
  }

  /** A query topic's new result, framed once for every listener; a reader that is behind gets only the latest. */
  sendResult(topic: string, frame: TextFrame): void {
    if (!this.subscriptions.has(topic)) return;
    if (this.inFlight > this.limits.sendQueueBytes) this.pendingResults.set(topic, frame);
    else this.write(frame);
  }

  /** New events of a tail; a reader that is behind gets them later, the oldest dropped past a bound. */
  sendEvents(topic: string, events: readonly LiveEvent[], frame: () => TextFrame): void {
    if (!this.subscriptions.has(topic)) return;
    const pending = this.pendingEvents.get(topic);
    if (this.inFlight <= this.limits.sendQueueBytes && !pending) {
      this.write(frame());
      return;
    }
    const held = pending ?? { events: [], dropped: 0 };
    held.events.push(...events);
    if (held.events.length > MAX_PENDING_EVENTS) held.dropped += held.events.splice(0, held.events.length - MAX_PENDING_EVENTS).length;
    this.pendingEvents.set(topic, held);
  }

  forget(topic: string): void {
    this.subscriptions.delete(topic);
    this.pendingResults.delete(topic);
    this.pendingEvents.delete(topic);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingResults.clear();
    this.pendingEvents.clear();
    this.socket.close(code, reason);
  }

  private write(frame: TextFrame): void {
    if (this.closed) return;
    const size = frame.length;
    this.inFlight += size;
    writeFrame(this.socket, frame, () => {
      this.inFlight -= size;
      if (this.inFlight <= this.limits.sendQueueBytes / 2) this.flushPending();
    });
  }

  /** Sends what waited, once the network has taken at least half of what was in flight. */
  private flushPending(): void {
    for (const [topic, frame] of this.pendingResults) {
      if (this.inFlight > this.limits.sendQueueBytes) return;
      this.pendingResults.delete(topic);
      this.write(frame);
    }
    for (const [topic, held] of this.pendingEvents) {
      if (this.inFlight > this.limits.sendQueueBytes) return;
      this.pendingEvents.delete(topic);
      const message: LiveServerMessage = held.dropped > 0 ? { type: 'update', topic, data: held.events, dropped: held.dropped } : { type: 'update', topic, data: held.events };
      this.write(TextFrame.of(message));
    }
  }
}
