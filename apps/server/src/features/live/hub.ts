import {
  ALERTS_TOPIC,
  EVENTS_TOPIC_PREFIX,
  JOBS_TOPIC_PREFIX,
  LIVE_CLOSE,
  QUERY_TOPIC_PREFIX,
  SOURCE_PATTERN,
  type ErrorDetail,
  type LiveClientMessage,
  type LiveEvent,
  type LiveServerMessage,
  type LiveSubscribeMessage,
} from '@sightline/protocol';
import { QueryError, compileEventFilter, type EventPredicate, type TimedEvent } from '@sightline/query';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { LiveConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Bus } from '../../platform/bus.js';
import type { ResolvedEvent, StoredBatch } from '../../store/types.js';
import { AuthenticationError, type Authenticator } from '../auth/authenticator.js';
import type { PrincipalChange } from '../auth/directory.js';
import type { Principal } from '../auth/principal.js';
import type { QueryService } from '../query/service.js';
import { LiveConnection, type Handshake, type Subscription } from './connection.js';
import { TextFrame } from './frame.js';
import { LiveQueries, canonicalJson } from './live-queries.js';
import { parseClientMessage } from './messages.js';
import { LiveFeed } from './feed.js';

const SOURCE_RE = new RegExp(SOURCE_PATTERN);

export interface LiveHubDeps {
  config: LiveConfig;
  authenticator: Authenticator;
  query: QueryService;
  clock: () => number;
  log: FastifyBaseLogger;
  /**
   * Carries stored batches, erasures and published topics to every instance (Redis pub/sub), or
   * within this process only (the default).
   */
  bus?: Bus;
  /**
   * The highest seq stored when the hub starts. Without it, an instance's first live computation
   * would read everything with no bound, and a batch of another instance that arrives afterwards
   * but was already stored could not be told apart from a new one.
   */
  initialSeq?: () => Promise<number>;
}

/** One group of an `events:` tail: the listeners that share the same filters. */
interface TailGroup {
  matches: EventPredicate;
  listeners: Set<LiveConnection>;
}

/** Why a subscription was refused, as the `error` message says it. */
class Refusal {
  constructor(
    readonly code: 'forbidden' | 'not_found' | 'invalid_query' | 'too_many_subscriptions',
    readonly detail: string,
    readonly errors?: ErrorDetail[],
  ) {}
}

/**
 * The live channel's connections and topics. Connections authenticate (first message or handshake
 * bearer), subscribe to topics the principal may read, and receive updates: query results from
 * LiveQueries, new events of `events:` tails (filtered in memory), and whatever the server publishes
 * on `alerts` and `jobs:<id>`. When accounts change (a user disabled, a key revoked, a logout, a
 * role changed), the affected connections are checked again at once: closed when their credentials
 * no longer hold, unsubscribed from what they may no longer read.
 */
export class LiveHub {
  private readonly connections = new Set<LiveConnection>();
  /** `events:` listeners by source, grouped by their filters' canonical text. */
  private readonly tails = new Map<string, Map<string, TailGroup>>();
  /** Listeners of the other published topics (`alerts`, `jobs:<id>`). */
  private readonly topics = new Map<string, Set<LiveConnection>>();
  private readonly queries: LiveQueries;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly tailOf = new Map<LiveConnection, Map<string, string>>();
  /** Batches, erasures and published topics of every instance; the live bound (`storedSeq`). */
  private readonly feed: LiveFeed;

  constructor(private readonly deps: LiveHubDeps) {
    this.queries = new LiveQueries(
      { query: deps.query, clock: deps.clock, log: deps.log, storedSeq: () => this.feed.storedSeq },
      deps.config.queryUpdatesPerSecond,
    );
    this.heartbeat = setInterval(() => this.beat(), deps.config.heartbeatSeconds * 1000);
    this.heartbeat.unref();
    this.feed = new LiveFeed(deps, {
      batch: (events, stored) => this.deliverBatch(events, stored),
      removed: () => this.queries.removed(),
      topic: (topic, data) => this.deliverTopic(topic, data),
      resync: (why) => this.resync(why),
      listening: () => this.queries.size > 0 || this.tails.size > 0,
    });
  }

  stats(): { connections: number; queries: number; maxQueuedBytes: number; slowdown: number } {
    let maxQueuedBytes = 0;
    for (const c of this.connections) maxQueuedBytes = Math.max(maxQueuedBytes, c.queuedBytes);
    return { connections: this.connections.size, queries: this.queries.size, maxQueuedBytes, slowdown: this.queries.slowdown };
  }

  /** Takes a new WebSocket, authenticating it at once when the handshake carried a bearer subprotocol. */
  accept(socket: WebSocket, handshake: Handshake): void {
    const { config } = this.deps;
    const connection = new LiveConnection(socket, handshake, config);
    const credential = handshake.credential;
    if (this.connections.size >= config.maxConnections) {
      connection.close(LIVE_CLOSE.full, `server full: ${config.maxConnections} live connections; retry later`);
      return;
    }
    this.connections.add(connection);
    let chain: Promise<void> = Promise.resolve();
    const authTimer = setTimeout(() => {
      if (!connection.principal) connection.close(LIVE_CLOSE.policy, 'authentication timeout: send {"type":"auth","token":…} first');
    }, config.authTimeoutSeconds * 1000);
    authTimer.unref();
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const admitted = connection.admitMessage();
      if (admitted === 'close') return connection.close(LIVE_CLOSE.policy, 'message rate limit exceeded');
      if (admitted === 'refuse') return connection.send({ type: 'error', code: 'rate_limited', detail: `at most ${config.messagesPerSecond} messages per second` });
      // One message at a time per connection: answers keep the order of the questions.
      chain = chain.then(() => this.handle(connection, data, isBinary)).catch((error: unknown) => this.deps.log.error({ err: error }, 'live message failed'));
    });
    socket.on('close', () => {
      clearTimeout(authTimer);
      connection.closed = true;
      this.drop(connection);
    });
    socket.on('error', () => undefined); // a reset peer; 'close' follows
    if (credential !== undefined) chain = chain.then(() => this.authenticate(connection, credential));
  }

  /** A batch was stored here: every instance's tails get its events, and the live queries it touches are updated. */
  eventsStored(events: readonly ResolvedEvent[], stored: StoredBatch): void {
    this.feed.stored(events, stored);
  }

  /** Events were deleted (privacy erasure, retention): live queries of every instance are recomputed in full. */
  eventsRemoved(): void {
    this.feed.removed();
  }

  /** Publishes `data` to the listeners of `alerts` or a `jobs:<id>` topic, on every instance. */
  publish(topic: string, data: unknown): void {
    this.feed.publish(topic, data);
  }

  /** Messages from other instances may have been missed: recompute every live query from the database. */
  private resync(why: string): void {
    if (this.queries.size === 0) return;
    this.deps.log.info({ queries: this.queries.size }, `recomputing live queries: ${why}`);
    this.queries.removed();
  }

  private deliverBatch(events: readonly ResolvedEvent[], stored: StoredBatch): void {
    // Nothing listens: ingest pays nothing more than the line above.
    if (this.queries.size === 0 && this.tails.size === 0) return;
    const span = new Map<string, { min: number; max: number }>();
    const parsed: TimedEvent[] = new Array(events.length);
    let maxTs = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.ts > maxTs) maxTs = e.ts;
      const s = span.get(e.source);
      if (!s) span.set(e.source, { min: e.ts, max: e.ts });
      else {
        if (e.ts < s.min) s.min = e.ts;
        if (e.ts > s.max) s.max = e.ts;
      }
      // props parsed once per event, shared by every query and tail that looks at it.
      parsed[i] = { source: e.source, name: e.name, ts: e.ts, actor: e.actor, value: e.value, props: e.props === null ? null : (JSON.parse(e.props) as Record<string, unknown>) };
    }
    this.queries.stored({ span, maxTs, lastSeq: stored.lastSeq, events: parsed, exact: stored.duplicates === 0 });
    if (this.tails.size > 0) this.feedTails(events, parsed);
  }

  private deliverTopic(topic: string, data: unknown): void {
    const listeners = this.topics.get(topic);
    if (!listeners) return;
    const frame = TextFrame.of({ type: 'update', topic, data } satisfies LiveServerMessage);
    for (const listener of listeners) listener.sendResult(topic, frame);
  }

  /** Checks the connections an account change may affect, at once. */
  principalChanged(change: PrincipalChange): void {
    for (const connection of this.connections) {
      const p = connection.principal;
      if (!p || !affects(change, p)) continue;
      void this.recheck(connection);
    }
  }

  /** Closes every connection (the server is stopping): clients reconnect to its successor. */
  close(): void {
    this.feed.close();
    clearInterval(this.heartbeat);
    this.queries.close();
    for (const connection of this.connections) connection.close(LIVE_CLOSE.goingAway, 'server shutting down');
    this.connections.clear();
  }

  private async handle(connection: LiveConnection, data: Buffer, isBinary: boolean): Promise<void> {
    if (connection.closed) return;
    const parsed = parseClientMessage(data, isBinary);
    if (!parsed.ok) return connection.send({ type: 'error', code: 'invalid_message', detail: 'The message is not valid', errors: parsed.errors });
    const message: LiveClientMessage = parsed.message;
    if (message.type === 'auth') return this.authenticate(connection, `Bearer ${message.token}`);
    if (message.type === 'ping') return connection.send(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id });
    if (message.type === 'pong') return;
    if (!connection.principal) {
      connection.send({ type: 'error', code: 'unauthorized', detail: 'Authenticate first: {"type":"auth","token":…}' });
      return connection.close(LIVE_CLOSE.unauthorized, 'not authenticated');
    }
    if (message.type === 'unsubscribe') {
      this.unsubscribe(connection, message.topic);
      return connection.send({ type: 'unsubscribed', topic: message.topic });
    }
    await this.subscribe(connection, message);
  }

  private async authenticate(connection: LiveConnection, credential: string): Promise<void> {
    try {
      const principal = await this.deps.authenticator.authenticate(credential);
      if (principal.kind === 'user' && principal.mustChangePassword) throw new AppError('password_change_required');
      const first = connection.principal === undefined;
      connection.principal = principal;
      connection.credential = credential;
      if (first) connection.send({ type: 'ready', heartbeat_ms: this.deps.config.heartbeatSeconds * 1000 });
      else this.recheckSubscriptions(connection);
    } catch (error) {
      const code = error instanceof AppError && error.code === 'password_change_required' ? 'password_change_required' : 'unauthorized';
      connection.handshake.auditRefusal(error instanceof AuthenticationError ? error.reason : code);
      connection.send({ type: 'error', code, detail: code === 'unauthorized' ? 'The credentials are not valid' : 'Change the one-time password first' });
      connection.close(LIVE_CLOSE.unauthorized, code);
    }
  }

  private async subscribe(connection: LiveConnection, message: LiveSubscribeMessage): Promise<void> {
    const max = this.deps.config.maxSubscriptions;
    try {
      const principal = connection.principal!;
      if (!principal.access.has('events:read')) throw new Refusal('forbidden', 'Live topics need the "events:read" permission');
      if (message.query !== undefined) {
        const topic = LiveQueries.topicOf(message.query);
        if (!connection.subscriptions.has(topic) && connection.subscriptions.size >= max) throw tooMany(max);
        const registered = await this.queries.register(message.query, principal.access);
        this.add(connection, { topic: registered.topic, sources: registered.sources });
        connection.send({ type: 'subscribed', topic: registered.topic });
        this.queries.listen(registered.topic, connection);
        return;
      }
      const topic = message.topic!;
      if (!connection.subscriptions.has(topic) && connection.subscriptions.size >= max) throw tooMany(max);
      if (topic.startsWith(EVENTS_TOPIC_PREFIX)) return this.subscribeTail(connection, topic, message.filters);
      if (topic.startsWith(QUERY_TOPIC_PREFIX)) {
        const sources = this.queries.sourcesOf(topic);
        if (!sources) throw new Refusal('not_found', topic.includes('/') ? 'No such dashboard panel' : 'No live query has this id; subscribe with the query itself');
        checkSources(principal, sources);
        this.add(connection, { topic, sources });
        connection.send({ type: 'subscribed', topic });
        this.queries.listen(topic, connection);
        return;
      }
      if (topic === ALERTS_TOPIC) {
        this.add(connection, { topic, sources: [] });
        this.listenTopic(topic, connection);
        return connection.send({ type: 'subscribed', topic });
      }
      if (topic.startsWith(JOBS_TOPIC_PREFIX)) throw new Refusal('not_found', 'No such job');
      throw new Refusal('not_found', 'Unknown topic: use events:<source>, query:<id>, alerts or jobs:<id>');
    } catch (error) {
      const topic = message.topic;
      if (error instanceof Refusal) return connection.send({ type: 'error', ...(topic ? { topic } : {}), code: error.code, detail: error.detail, ...(error.errors ? { errors: error.errors } : {}) });
      if (error instanceof AppError && (error.code === 'invalid_query' || error.code === 'forbidden')) {
        // The query's paths, located inside the subscribe message.
        const errors = error.options.errors?.map((e) => ({ path: `/query${e.path}`, message: e.message }));
        return connection.send({ type: 'error', ...(topic ? { topic } : {}), code: error.code, detail: error.message, ...(errors ? { errors } : {}) });
      }
      throw error;
    }
  }

  private subscribeTail(connection: LiveConnection, topic: string, filters: unknown[] | undefined): void {
    const source = topic.slice(EVENTS_TOPIC_PREFIX.length);
    if (!SOURCE_RE.test(source)) throw new Refusal('not_found', 'events:<source> takes a source name (1–64 characters of a-z, 0-9, _ or -)');
    checkSources(connection.principal!, [source]);
    let matches: EventPredicate;
    try {
      matches = compileEventFilter(filters ?? [], '/filters');
    } catch (error) {
      if (error instanceof QueryError) throw new Refusal('invalid_query', 'The filters are not valid', error.errors);
      throw error;
    }
    this.unsubscribe(connection, topic); // a repeated subscribe replaces the filters
    const key = canonicalJson(filters ?? []);
    let groups = this.tails.get(source);
    if (!groups) this.tails.set(source, (groups = new Map()));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { matches, listeners: new Set() }));
    group.listeners.add(connection);
    let mine = this.tailOf.get(connection);
    if (!mine) this.tailOf.set(connection, (mine = new Map()));
    mine.set(source, key);
    this.add(connection, { topic, sources: [source] });
    connection.send({ type: 'subscribed', topic });
  }

  private add(connection: LiveConnection, subscription: Subscription): void {
    connection.subscriptions.set(subscription.topic, subscription);
    this.feed.listenersChanged();
  }

  private listenTopic(topic: string, connection: LiveConnection): void {
    let listeners = this.topics.get(topic);
    if (!listeners) this.topics.set(topic, (listeners = new Set()));
    listeners.add(connection);
  }

  private unsubscribe(connection: LiveConnection, topic: string): void {
    if (!connection.subscriptions.has(topic)) return;
    connection.forget(topic);
    if (topic.startsWith(QUERY_TOPIC_PREFIX)) return this.queries.unlisten(topic, connection);
    if (topic.startsWith(EVENTS_TOPIC_PREFIX)) {
      const source = topic.slice(EVENTS_TOPIC_PREFIX.length);
      const key = this.tailOf.get(connection)?.get(source);
      this.tailOf.get(connection)?.delete(source);
      const groups = this.tails.get(source);
      const group = key === undefined ? undefined : groups?.get(key);
      group?.listeners.delete(connection);
      if (group && group.listeners.size === 0) groups!.delete(key!);
      if (groups && groups.size === 0) this.tails.delete(source);
      return;
    }
    const listeners = this.topics.get(topic);
    listeners?.delete(connection);
    if (listeners?.size === 0) this.topics.delete(topic);
  }

  private drop(connection: LiveConnection): void {
    if (!this.connections.delete(connection)) return;
    for (const topic of [...connection.subscriptions.keys()]) this.unsubscribe(connection, topic);
    this.tailOf.delete(connection);
  }

  private feedTails(events: readonly ResolvedEvent[], parsed: readonly TimedEvent[]): void {
    const bySource = new Map<string, LiveEvent[]>();
    events.forEach((e, i) => {
      if (!this.tails.has(e.source)) return;
      let list = bySource.get(e.source);
      if (!list) bySource.set(e.source, (list = []));
      list.push({ id: e.id, source: e.source, name: e.name, ts: new Date(e.ts).toISOString(), actor: e.actor, value: e.value, props: parsed[i].props });
    });
    for (const [source, list] of bySource) {
      const topic = EVENTS_TOPIC_PREFIX + source;
      for (const group of this.tails.get(source)!.values()) {
        const matching = list.filter(group.matches);
        if (matching.length === 0) continue;
        let frame: TextFrame | undefined;
        const framed = () => (frame ??= TextFrame.of({ type: 'update', topic, data: matching } satisfies LiveServerMessage));
        for (const listener of group.listeners) listener.sendEvents(topic, matching, framed);
      }
    }
  }

  /** Heartbeat: a peer that did not answer the last ping is gone; credentials are checked again (expiry). */
  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.closed = true;
        connection.socket.terminate();
        this.drop(connection);
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
      if (connection.principal) void this.recheck(connection);
    }
  }

  private async recheck(connection: LiveConnection): Promise<void> {
    if (connection.closed || connection.credential === undefined) return;
    try {
      connection.principal = await this.deps.authenticator.authenticate(connection.credential);
    } catch {
      connection.send({ type: 'error', code: 'unauthorized', detail: 'The credentials are no longer valid' });
      connection.close(LIVE_CLOSE.unauthorized, 'credentials expired or revoked');
      return;
    }
    this.recheckSubscriptions(connection);
  }

  /** Drops the subscriptions the (new) principal may no longer read, each with an error. */
  private recheckSubscriptions(connection: LiveConnection): void {
    const principal = connection.principal!;
    for (const subscription of [...connection.subscriptions.values()]) {
      const allowed = principal.access.has('events:read') && subscription.sources.every((s) => principal.access.canRead(s));
      if (allowed) continue;
      this.unsubscribe(connection, subscription.topic);
      connection.send({ type: 'error', topic: subscription.topic, code: 'forbidden', detail: 'Your access no longer covers this topic' });
    }
  }
}

function tooMany(max: number): Refusal {
  return new Refusal('too_many_subscriptions', `A connection holds at most ${max} subscriptions`);
}

function checkSources(principal: Principal, sources: readonly string[]): void {
  const denied = sources.filter((s) => !principal.access.canRead(s));
  if (denied.length > 0) throw new Refusal('forbidden', `You may not read ${denied.map((s) => `"${s}"`).join(', ')}`);
}

function affects(change: PrincipalChange, p: Principal): boolean {
  switch (change.kind) {
    case 'user':
      return p.kind === 'user' && p.id === change.id;
    case 'key':
      return p.kind === 'key' && p.id === change.id;
    case 'sessions':
      return p.kind === 'user' && change.ids.includes(p.sessionId);
    case 'roles':
      return p.kind === 'user';
  }
}
