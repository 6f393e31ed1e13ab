import type { AuditOutcome, IngestResult, KeyScope, PiiAction, SourceGrant, StoredEvent } from '@sightline/protocol';
import type { RollupLayout } from '@sightline/query';

/** An event ready to store: validated, defaults resolved, props already serialized. */
export interface ResolvedEvent {
  id: string;
  source: string;
  name: string;
  /** Event time, epoch milliseconds (UTC). */
  ts: number;
  actor: string | null;
  value: number | null;
  /** JSON text of the props object, or null. */
  props: string | null;
}

/**
 * What `append` reports: the ingest answer, and the sequence number of the batch's last event.
 * Batches are stored in sequence order, so once a batch is reported every event up to its
 * `lastSeq` is stored (live queries build on that, see features/live/live-queries.ts).
 */
export interface StoredBatch extends IngestResult {
  lastSeq: number;
}

/** A row as the store returns it: numbers, strings, booleans or null (never bigint or Date). */
export type Row = unknown[];

/**
 * Where events live. The embedded tier implements it on DuckDB; the production tier will implement
 * it on PostgreSQL. `append` resolves only once the events are durable.
 */
export interface EventStore {
  readonly dialectName: 'duckdb' | 'postgres';
  append(events: readonly ResolvedEvent[]): Promise<StoredBatch>;
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /**
   * Every stored event whose actor is one of `actors` (an actor id and its hashed forms), across all
   * sources (or only `sources`), in time order, chunk by chunk: memory stays flat however many there are.
   */
  eventsOfActor(actors: readonly string[], sources?: readonly string[]): AsyncIterable<StoredEvent[]>;
  /** Deletes every event whose actor is one of `actors` (only in `sources` when given), rollups repaired in the same transaction; returns how many. */
  eraseActor(actors: readonly string[], sources?: readonly string[]): Promise<number>;
  /** The sources that hold events of one of `actors`. */
  sourcesOfActor(actors: readonly string[]): Promise<string[]>;
  /** Declared rollup dimensions per source, as the query engine needs them (kept in memory, current). */
  rollupLayout(): RollupLayout;
  /** Sets a source's declared dimensions (≤ 3 `props.` fields) and rebuilds its rollups, in one transaction. */
  setRollupDimensions(source: string, fields: readonly string[]): Promise<void>;
  /** Reads the declared dimensions again (another instance changed a source's). */
  reloadRollupLayout(): Promise<void>;
  /** Merges rollup delta rows; returns how many rows it removed. Run by a scheduled job. */
  compactRollups(): Promise<number>;
  /** Deletes a source's events older than `beforeMs` (retention), rollups repaired; returns how many. */
  deleteOlderThan(source: string, beforeMs: number): Promise<number>;
  /**
   * The highest seq of a stored event (0 when none): every event up to it is stored, none past it
   * is being stored (the live channel starts its bounds there).
   */
  highestSeq(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A catalog entry as stored: the metric's name and its definition (without the name). */
export interface StoredMetric {
  name: string;
  definition: Record<string, unknown>;
  updatedAt: number;
}

/** The metric catalog. */
export interface MetaStore {
  listMetrics(): Promise<StoredMetric[]>;
  getMetric(name: string): Promise<StoredMetric | undefined>;
  /** Returns true when the metric was created, false when it replaced one. */
  putMetric(name: string, definition: Record<string, unknown>): Promise<boolean>;
  /** Returns false when there was no such metric. */
  deleteMetric(name: string): Promise<boolean>;
  /** KPIs, stored like metrics: the name and the rest of the definition. */
  listKpis(): Promise<StoredMetric[]>;
  /** Returns true when the KPI was created, false when it replaced one. */
  putKpi(name: string, definition: Record<string, unknown>): Promise<boolean>;
  deleteKpi(name: string): Promise<boolean>;
}

/** A stored dashboard: its id, title, the rest of its definition (panels, theme…) and who made it. */
export interface StoredDashboard {
  id: string;
  title: string;
  body: Record<string, unknown>;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface DashboardStore {
  /** Newest change first. */
  list(): Promise<StoredDashboard[]>;
  get(id: string): Promise<StoredDashboard | undefined>;
  insert(dashboard: StoredDashboard): Promise<void>;
  /** Returns false when there is no such dashboard. */
  update(id: string, title: string, body: Record<string, unknown>, at: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

// Accounts and security metadata. Times are epoch milliseconds (UTC); null where not set.

export interface StoredUser {
  id: string;
  /** Lower-cased. */
  email: string;
  /** argon2id PHC string. */
  passwordHash: string;
  role: string;
  disabled: boolean;
  /** A one-time password: every route but the password change is refused until it is changed. */
  mustChangePassword: boolean;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

export type UserChange = Partial<Pick<StoredUser, 'role' | 'disabled' | 'mustChangePassword' | 'passwordHash' | 'lastLoginAt'>>;

export interface UserStore {
  count(): Promise<number>;
  list(): Promise<StoredUser[]>;
  get(id: string): Promise<StoredUser | undefined>;
  getByEmail(email: string): Promise<StoredUser | undefined>;
  /** Returns false when the e-mail is taken. */
  insert(user: StoredUser): Promise<boolean>;
  /** Returns false when there is no such user. */
  update(id: string, change: UserChange, at: number): Promise<boolean>;
  /** Returns false when there is no such user. */
  remove(id: string): Promise<boolean>;
  /** How many users have this role (a role in use cannot be deleted). */
  countWithRole(role: string): Promise<number>;
}

export interface StoredRole {
  name: string;
  description: string;
  grants: SourceGrant[];
  updatedAt: number;
}

/** Custom roles; the built-in ones (admin, editor, viewer) are code, not rows. */
export interface RoleStore {
  list(): Promise<StoredRole[]>;
  get(name: string): Promise<StoredRole | undefined>;
  /** Returns true when the role was created, false when it replaced one. */
  put(role: StoredRole): Promise<boolean>;
  delete(name: string): Promise<boolean>;
}

/** One refresh token of a session. A session (family) is the chain of tokens one login started. */
export interface StoredRefreshToken {
  id: string;
  familyId: string;
  userId: string;
  /** SHA-256 of the token's secret part, hex. */
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface SessionStore {
  insert(token: StoredRefreshToken): Promise<void>;
  get(id: string): Promise<StoredRefreshToken | undefined>;
  /** Marks an unused, unrevoked token used; false when it already was (so two racing refreshes cannot both win). */
  markUsed(id: string, at: number): Promise<boolean>;
  revokeFamily(familyId: string, at: number): Promise<void>;
  /** Revokes every live session of a user; returns their family ids. */
  revokeUser(userId: string, at: number): Promise<string[]>;
  /** Families revoked at or after `since` (their access tokens may still be unexpired). */
  revokedSince(since: number): Promise<string[]>;
}

export interface StoredApiKey {
  /** Also the visible part of the key: `sl_<id>_<secret>`. */
  id: string;
  name: string;
  /** SHA-256 of the whole key, hex: keys are 190 random bits, so a fast hash is enough. */
  keyHash: string;
  scopes: KeyScope[];
  /** Source names, or ['*']. */
  sources: string[];
  /** The actor that created it (`user:<id>` or `cli:<name>`). */
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface KeyStore {
  list(): Promise<StoredApiKey[]>;
  get(id: string): Promise<StoredApiKey | undefined>;
  insert(key: StoredApiKey): Promise<void>;
  /** Returns false when there was no such live key. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Records last-used times (batched: keys are used far more often than this is written). */
  touch(lastUsed: ReadonlyMap<string, number>): Promise<void>;
}

export interface StoredAuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  /** The hash of the entry before (64 zeros for the first). */
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditOutcome;
  from?: number;
  to?: number;
  /** Entries with a seq below this (pages go from the newest back). */
  beforeSeq?: number;
}

/** The prev_hash of the first audit entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The newest entry's seq and hash (seq 0 and GENESIS_HASH when the trail is empty). */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditStore {
  append(entry: StoredAuditEntry): Promise<void>;
  /**
   * Appends the entry `build` makes from the current head, as one step: several instances share the
   * trail, so reading the head and appending after it must not interleave (the chain would fork or
   * an entry be refused). Returns the entry appended.
   */
  appendNext(build: (head: AuditHead) => StoredAuditEntry): Promise<StoredAuditEntry>;
  last(): Promise<StoredAuditEntry | undefined>;
  /** Newest first. */
  list(filter: AuditFilter, limit: number): Promise<StoredAuditEntry[]>;
  /** In seq order, from `afterSeq` on: the whole chain, page by page, for verification. */
  scan(afterSeq: number, limit: number): Promise<StoredAuditEntry[]>;
}

/** PII rule of one field: `props.email` → hash, `props.card` → drop, `props.name` → mask. */
export type { PiiAction };

export interface StoredSource {
  name: string;
  description: string;
  retentionDays: number | null;
  /** Field path (`actor` or `props.<path>`) → what is done to it at ingest. */
  pii: Record<string, PiiAction>;
  /** The webhook secret sealed by the SecretBox (never the secret in clear), or null. */
  webhookSecret: string | null;
  /** Declared rollup dimensions (`props.<path>`, at most 3, slot order): sources.rollup_dimensions. */
  rollupDimensions: string[];
  createdAt: number;
  updatedAt: number;
}

export interface SourceStore {
  list(): Promise<StoredSource[]>;
  get(name: string): Promise<StoredSource | undefined>;
  /** Returns true when the source was created, false when it replaced one. */
  put(source: StoredSource): Promise<boolean>;
  delete(name: string): Promise<boolean>;
  /**
   * Replaces a sealed webhook secret only if it is still `expected` (key rotation re-encrypts
   * without overwriting a change made meanwhile); returns whether it did.
   */
  replaceWebhookSecret(name: string, expected: string, sealed: string): Promise<boolean>;
}
