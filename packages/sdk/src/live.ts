import { LIVE_CLOSE, LIVE_LIMITS, LIVE_PATH, type LiveEvent, type LiveQueryResult, type LiveServerMessage } from '@sightline/protocol';
import { fullJitter } from './backoff.js';
import { SightlineError, errorFromLiveMessage } from './errors.js';
import type { HttpClient } from './http.js';
import { Channel, ChannelSubscription, deliverTo, stableStringify, type Listener } from './live-channel.js';
import { LivePoller } from './live-poller.js';
import { closeAction } from './live-close-policy.js';
import { LiveSocket, type LiveSocketClose } from './live-socket.js';
import type { EventsSubscribeOptions, LiveCallback, LiveStatus, QueryTarget, SubscribeOptions, Subscription, TopicTarget } from './live-types.js';
import type { ResolvedOptions } from './options.js';
import { resolveWebSocket, toWebSocketUrl, type WebSocketConstructor } from './websocket.js';

export type LiveOptions = Pick<
  ResolvedOptions,
  'url' | 'getToken' | 'WebSocket' | 'reconnect' | 'pollIntervalMs' | 'pingIntervalMs' | 'pongTimeoutMs' | 'requestTimeoutMs' | 'onError' | 'random'
> & {
  /** Whether a refused token may be replaced by calling the token function again. */
  tokenIsDynamic: boolean;
};

/** Below the server's default of 20 a second, so a burst of resubscriptions is never "flooding". */
const MAX_MESSAGES_PER_SECOND = 10;
/** A connection that stayed up this long was healthy: the next outage starts the backoff afresh. */
const STABLE_MS = 10_000;
/** How many times a subscribe refused with `rate_limited` is tried again. */
const RATE_LIMITED_TRIES = 5;

type Op = { kind: 'subscribe'; channel: Channel } | { kind: 'unsubscribe'; topic: string };

/**
 * The live channel: subscriptions multiplexed over one socket that reconnects with backoff and
 * resubscribes, with polling of query subscriptions while it is down.
 *
 * Control messages (subscribe, unsubscribe) are sent one at a time and the next waits for the
 * answer. The server answers a connection's messages in order, but a refused query subscribe
 * carries no topic (the server may not have computed the id), so one outstanding request is what
 * makes "this error is that subscribe's" certain.
 */
export class LiveClient {
  private readonly channels = new Map<string, Channel>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private readonly poller: LivePoller;
  private statusValue: LiveStatus = 'offline';
  private socket: LiveSocket | undefined;
  private webSocketImpl: Promise<WebSocketConstructor> | undefined;
  private started = false;
  private closed = false;
  /** Set when reconnecting cannot help (no WebSocket at all, a static credential refused). */
  private stopped = false;
  private attempt = 0;
  private unauthorizedStreak = 0;
  private readySince = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private ops: Op[] = [];
  private inflight: Op | undefined;
  private inflightTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    http: HttpClient,
    private readonly options: LiveOptions,
  ) {
    this.poller = new LivePoller(http, options.pollIntervalMs, {
      channels: () => [...this.channels.values()].filter((c) => c.query !== undefined),
      deliver: (channel, data) => {
        if (this.channels.get(channel.key) !== channel || !channel.isNewResult(data)) return;
        channel.deliver({ topic: channel.topic, data, via: 'poll' }, this.report);
      },
      refuse: (channel, error) => this.refuse(channel, error),
      roundDone: (answered) => {
        if (!this.socket?.isReady && !this.closed) this.setStatus(answered > 0 ? 'polling' : 'offline');
      },
      onError: (error) => this.options.onError(error),
    });
  }

  get status(): LiveStatus {
    return this.statusValue;
  }

  /** Calls `listener` on every status change; answers a function that stops it. */
  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Connects now rather than at the first subscription. */
  connect(): void {
    if (this.closed || this.started) return;
    this.started = true;
    this.setStatus('connecting');
    void this.open();
  }

  subscribe(target: QueryTarget, callback: LiveCallback<LiveQueryResult>, options?: SubscribeOptions): Subscription;
  subscribe(target: `events:${string}` | (TopicTarget & { topic: `events:${string}` }), callback: LiveCallback<LiveEvent[]>, options?: EventsSubscribeOptions): Subscription;
  subscribe(target: string | TopicTarget, callback: LiveCallback<unknown>, options?: EventsSubscribeOptions): Subscription;
  subscribe(
    target: string | QueryTarget | TopicTarget,
    callback: LiveCallback<LiveQueryResult> | LiveCallback<LiveEvent[]> | LiveCallback<unknown>,
    options: EventsSubscribeOptions = {},
  ): Subscription {
    const normalized: QueryTarget | TopicTarget = typeof target === 'string' ? { topic: target, filters: options.filters } : target;
    if ('query' in normalized ? typeof normalized.query !== 'object' || normalized.query === null : typeof normalized.topic !== 'string' || normalized.topic.length === 0) {
      throw new TypeError('Sightline: subscribe to { query } or to a topic such as "events:shop"');
    }
    // The overloads tie the callback's data type to the kind of target; here all are the same.
    const listener: Listener = { callback: callback as LiveCallback<unknown>, options, closed: false };
    const handle = (channel: Channel | undefined) => new ChannelSubscription(channel, listener, (c, l) => this.removeListener(c, l));
    if (this.closed) {
      this.refuseListener(listener, new SightlineError('live: subscribe() after close()', { code: 'closed' }));
      return handle(undefined);
    }
    const filters = 'query' in normalized ? undefined : (normalized.filters ?? options.filters);
    const key = Channel.keyOf(normalized);
    let channel = this.channels.get(key);
    if (channel !== undefined && stableStringify(channel.filters) !== stableStringify(filters)) {
      // The server's updates name only the topic; two filter sets on one topic cannot be told apart.
      this.refuseListener(listener, new SightlineError(`live: ${channel.topic} is already subscribed with other filters by this client`, { code: 'conflict' }));
      return handle(undefined);
    }
    if (channel === undefined) {
      channel = new Channel(key, 'query' in normalized ? normalized.query : undefined, 'query' in normalized ? undefined : normalized.topic, filters);
      if (new TextEncoder().encode(JSON.stringify(channel.subscribeMessage())).length > LIVE_LIMITS.maxMessageBytes) {
        // The server would close the socket (1009) and the resubscription after reconnecting would do it again.
        this.refuseListener(listener, new SightlineError(`live: the subscribe message is larger than ${LIVE_LIMITS.maxMessageBytes} bytes`, { code: 'payload_too_large' }));
        return handle(undefined);
      }
      this.channels.set(key, channel);
      channel.listeners.add(listener);
      if (this.socket?.isReady) this.enqueue({ kind: 'subscribe', channel });
      if (channel.query !== undefined) this.poller.pollNow(channel);
    } else {
      channel.listeners.add(listener);
      const { last } = channel;
      // A late joiner of a query gets the current result now, as the first subscriber did.
      if (last !== undefined) queueMicrotask(() => deliverTo(listener, last, this.report));
      if (channel.state === 'active' && channel.topic !== undefined) {
        const topic = channel.topic;
        queueMicrotask(() => !listener.closed && listener.options.onSubscribed?.(topic));
      }
    }
    this.connect();
    return handle(channel);
  }

  /** Closes the socket, stops polling and reconnecting, and ends every subscription. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.inflightTimer);
    this.poller.stop();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'client closed');
    for (const channel of this.channels.values()) for (const l of channel.listeners) l.closed = true;
    this.channels.clear();
    this.setStatus('offline');
  }

  private readonly report = (error: unknown): void => {
    const e = error instanceof SightlineError ? error : new SightlineError(`live: a callback threw: ${error instanceof Error ? error.message : String(error)}`, { code: 'live_error', cause: error });
    this.options.onError(e);
  };

  private setStatus(status: LiveStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    for (const listener of [...this.statusListeners]) {
      try {
        listener(status);
      } catch (error) {
        this.report(error);
      }
    }
  }

  // ---- connection -------------------------------------------------------------------------

  private async open(): Promise<void> {
    if (this.closed || this.stopped) return;
    let WebSocketImpl: WebSocketConstructor;
    try {
      WebSocketImpl = await (this.webSocketImpl ??= resolveWebSocket(this.options.WebSocket));
    } catch (cause) {
      this.stopped = true;
      this.report(new SightlineError(cause instanceof Error ? cause.message : String(cause), { code: 'live_error', cause }));
      this.afterDisconnect();
      return;
    }
    let token: string;
    try {
      // Called before every (re)connect, so a token function can hand out a refreshed token.
      token = await this.options.getToken();
    } catch (cause) {
      this.report(new SightlineError(`live: the token function failed: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'unauthorized', cause }));
      this.scheduleReconnect();
      this.afterDisconnect();
      return;
    }
    if (this.closed) return;
    const socket: LiveSocket = new LiveSocket(
      { pingIntervalMs: this.options.pingIntervalMs, pongTimeoutMs: this.options.pongTimeoutMs, maxMessagesPerSecond: MAX_MESSAGES_PER_SECOND },
      {
        onReady: () => this.onReady(socket),
        onMessage: (message) => this.socket === socket && this.onMessage(message),
        onClose: (info) => this.onClose(socket, info),
      },
    );
    this.socket = socket;
    socket.open(WebSocketImpl, toWebSocketUrl(this.options.url, LIVE_PATH), token);
  }

  private onReady(socket: LiveSocket): void {
    if (this.socket !== socket) return;
    this.readySince = Date.now();
    this.unauthorizedStreak = 0;
    this.poller.stop();
    this.setStatus('live');
    // A restarted server knows none of our subscriptions; a query is sent again in full (its id is
    // a hash of the query, so it comes back the same).
    this.ops = [];
    this.inflight = undefined;
    for (const channel of this.channels.values()) this.enqueue({ kind: 'subscribe', channel });
  }

  private onClose(socket: LiveSocket, info: LiveSocketClose): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    clearTimeout(this.inflightTimer);
    this.ops = [];
    this.inflight = undefined;
    for (const channel of this.channels.values()) channel.state = 'idle';
    if (this.closed) return;
    if (info.wasReady && Date.now() - this.readySince >= STABLE_MS) this.attempt = 0;

    this.unauthorizedStreak = info.code === LIVE_CLOSE.unauthorized ? this.unauthorizedStreak + 1 : 0;
    const action = closeAction(info, this.options.tokenIsDynamic, this.unauthorizedStreak);
    if (action.error !== undefined) this.report(action.error);
    if (action.kind === 'stop') {
      this.stopped = true;
      this.poller.stop();
      this.setStatus('offline');
      return;
    }
    this.attempt = Math.max(this.attempt, action.minAttempt);
    this.scheduleReconnect();
    this.afterDisconnect();
  }

  /** The socket is down: poll what can be polled, and show it. */
  private afterDisconnect(): void {
    if (this.closed) return;
    // 'polling' is kept while reconnect attempts fail; the poller's rounds decide it.
    if (this.statusValue !== 'polling') this.setStatus('offline');
    this.poller.start();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.stopped) return;
    clearTimeout(this.reconnectTimer);
    const delay = fullJitter(this.attempt, this.options.reconnect, this.options.random);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  // ---- control messages -------------------------------------------------------------------

  private enqueue(op: Op): void {
    if (op.kind === 'subscribe') op.channel.state = 'pending';
    this.ops.push(op);
    this.pump();
  }

  private pump(): void {
    const socket = this.socket;
    while (this.inflight === undefined && socket?.isReady && this.ops.length > 0) {
      const op = this.ops.shift()!;
      // A channel unsubscribed while its subscribe waited in line is simply not subscribed.
      if (op.kind === 'subscribe' && this.channels.get(op.channel.key) !== op.channel) continue;
      this.inflight = op;
      socket.send(op.kind === 'subscribe' ? op.channel.subscribeMessage() : { type: 'unsubscribe', topic: op.topic });
      // The server answers every control message; one that does not is stuck, and so is this socket.
      this.inflightTimer = setTimeout(() => socket.terminate(`no answer to ${op.kind}`), this.options.requestTimeoutMs);
    }
  }

  private done(): void {
    clearTimeout(this.inflightTimer);
    this.inflight = undefined;
    this.pump();
  }

  private onMessage(message: LiveServerMessage): void {
    switch (message.type) {
      case 'subscribed':
        return this.onSubscribed(message.topic);
      case 'unsubscribed':
        if (this.inflight?.kind === 'unsubscribe') this.done();
        return;
      case 'update':
        for (const channel of this.channels.values()) {
          if (channel.state !== 'active' || channel.topic !== message.topic) continue;
          const update = { topic: message.topic, data: message.data, via: 'live' as const, ...(message.dropped === undefined ? {} : { dropped: message.dropped }) };
          channel.deliver(update, this.report);
        }
        return;
      case 'error':
        return this.onErrorMessage(message);
      default:
        return; // ready/ping/pong are the socket's; unknown types come from a newer server
    }
  }

  private onSubscribed(topic: string): void {
    const op = this.inflight;
    if (op?.kind !== 'subscribe') return;
    const { channel } = op;
    channel.topic = topic;
    channel.rateLimitedTries = 0;
    if (this.channels.get(channel.key) !== channel) {
      // Unsubscribed while the server was confirming: undo it, unless another channel shares the topic.
      if (!this.topicInUse(topic)) this.ops.unshift({ kind: 'unsubscribe', topic });
    } else {
      channel.state = 'active';
      channel.confirmed(topic, this.report);
    }
    this.done();
  }

  private onErrorMessage(message: Extract<LiveServerMessage, { type: 'error' }>): void {
    const error = errorFromLiveMessage(message);
    const op = this.inflight;
    if (op !== undefined && (message.topic === undefined || this.inflightConcerns(op, message.topic))) {
      if (op.kind === 'subscribe') this.subscribeRefused(op.channel, error);
      // A refused unsubscribe (not subscribed any more) leaves nothing to do.
      this.done();
      return;
    }
    const affected = [...this.channels.values()].filter((c) => message.topic !== undefined && c.topic === message.topic);
    if (affected.length === 0) return this.options.onError(error);
    // E.g. access to the source was revoked: the server ended the subscription.
    for (const channel of affected) this.refuse(channel, error);
  }

  private inflightConcerns(op: Op, topic: string): boolean {
    if (op.kind === 'unsubscribe') return op.topic === topic;
    // A query subscribe whose id we do not know yet: an error naming a topic no channel holds is its.
    return op.channel.topic === undefined ? !this.topicInUse(topic) : op.channel.topic === topic;
  }

  private subscribeRefused(channel: Channel, error: SightlineError): void {
    if (error.code === 'rate_limited' && channel.rateLimitedTries < RATE_LIMITED_TRIES) {
      const wait = 1000 * 2 ** channel.rateLimitedTries++;
      channel.state = 'idle';
      setTimeout(() => {
        if (this.channels.get(channel.key) === channel && channel.state === 'idle' && this.socket?.isReady) this.enqueue({ kind: 'subscribe', channel });
      }, wait);
      return;
    }
    this.refuse(channel, error);
  }

  /** Ends a channel the server will not serve: its subscribers hear why, and it is not retried. */
  private refuse(channel: Channel, error: SightlineError): void {
    if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
    channel.state = 'idle';
    channel.fail(error, this.report);
  }

  private refuseListener(listener: Listener, error: SightlineError): void {
    listener.closed = true;
    // Later, so that the caller has its Subscription before the handler runs.
    queueMicrotask(() => (listener.options.onError ?? this.report)(error));
  }

  private removeListener(channel: Channel, listener: Listener): void {
    channel.listeners.delete(listener);
    if (channel.listeners.size > 0 || this.channels.get(channel.key) !== channel) return;
    this.channels.delete(channel.key);
    const wasActive = channel.state === 'active';
    channel.state = 'idle';
    if (wasActive && channel.topic !== undefined && !this.topicInUse(channel.topic) && this.socket?.isReady) {
      this.enqueue({ kind: 'unsubscribe', topic: channel.topic });
    }
  }

  /** Whether a channel still held holds `topic` on the server. */
  private topicInUse(topic: string): boolean {
    for (const c of this.channels.values()) if (c.topic === topic && c.state !== 'idle') return true;
    return false;
  }
}
