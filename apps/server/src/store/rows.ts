/**
 * Row → object mapping of the metadata stores, shared by the embedded (DuckDB) and the PostgreSQL
 * tier, so a stored type is read one way whichever tier holds it. The SQL stays per tier; what is
 * shared is the column order of each type's SELECT list and the mapper that reads a row in that
 * order. Each tier's `readRows` hands a row over as plain values — numbers (never bigint or numeric
 * strings), strings, booleans, null — so the mappers need not know which database answered.
 *
 * What differs between the tiers is only how a column is read, and `SelectDialect` names it:
 * - times: DuckDB `epoch_ms(col)`, PostgreSQL a truncated `extract(epoch …)`; both give epoch ms.
 * - JSON: both tiers select the column cast to text (`::VARCHAR` / `::text`) rather than rely on the
 *   driver: DuckDB's node API returns JSON as text anyway, while pg would parse json/jsonb with
 *   whatever type parser its pool was given. `jsonValue` parses that text.
 */
import type { AuditOutcome, KeyScope, SourceGrant, StoredEvent } from '@sightline/protocol';
import type {
  PiiAction,
  StoredApiKey,
  StoredAuditEntry,
  StoredDashboard,
  StoredMetric,
  StoredRefreshToken,
  StoredRole,
  StoredSource,
  StoredUser,
} from './types.js';

/** A bound value: the metadata stores bind only these (times as epoch ms, JSON as text). */
export type Param = string | number | boolean | null;

/** How a tier's SQL reads the columns whose plain-value form needs a conversion. */
export interface SelectDialect {
  /** SQL reading a TIMESTAMPTZ column as epoch milliseconds (a number; NULL stays NULL). */
  epochMs(column: string): string;
  /** SQL reading a JSON column as its text (NULL stays NULL). */
  jsonAsText(column: string): string;
}

/** A column of a SELECT list: `plain` columns are selected as they are. */
type Column = readonly [name: string, kind: 'plain' | 'time' | 'json'];

/** The SELECT list of `columns` in a tier's dialect, in the order the matching mapper reads them. */
export function selectList(columns: readonly Column[], dialect: SelectDialect): string {
  return columns
    .map(([name, kind]) => (kind === 'time' ? dialect.epochMs(name) : kind === 'json' ? dialect.jsonAsText(name) : name))
    .join(', ');
}

export const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export const nullableString = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/**
 * A JSON column's value: the text both tiers select is parsed; a value a driver already parsed
 * passes through (null stays null). Every JSON column here holds an object or an array, never a
 * bare JSON string, so a string is always the column's text and never an already-parsed value.
 */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : (value ?? null)) as T;
}

/** The text to bind for a JSON column (null stays null). */
export const jsonText = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export const USER_COLUMNS: readonly Column[] = [
  ['id', 'plain'],
  ['email', 'plain'],
  ['password_hash', 'plain'],
  ['role', 'plain'],
  ['disabled', 'plain'],
  ['must_change_password', 'plain'],
  ['created_at', 'time'],
  ['updated_at', 'time'],
  ['last_login_at', 'time'],
];

export function toUser([id, email, passwordHash, role, disabled, mustChangePassword, createdAt, updatedAt, lastLoginAt]: unknown[]): StoredUser {
  return {
    id: String(id),
    email: String(email),
    passwordHash: String(passwordHash),
    role: String(role),
    disabled: Boolean(disabled),
    mustChangePassword: Boolean(mustChangePassword),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
    lastLoginAt: nullableNumber(lastLoginAt),
  };
}

export const REFRESH_TOKEN_COLUMNS: readonly Column[] = [
  ['id', 'plain'],
  ['family_id', 'plain'],
  ['user_id', 'plain'],
  ['secret_hash', 'plain'],
  ['created_at', 'time'],
  ['expires_at', 'time'],
  ['used_at', 'time'],
  ['revoked_at', 'time'],
];

export function toRefreshToken([id, familyId, userId, secretHash, createdAt, expiresAt, usedAt, revokedAt]: unknown[]): StoredRefreshToken {
  return {
    id: String(id),
    familyId: String(familyId),
    userId: String(userId),
    secretHash: String(secretHash),
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
    usedAt: nullableNumber(usedAt),
    revokedAt: nullableNumber(revokedAt),
  };
}

export const AUDIT_COLUMNS: readonly Column[] = [
  ['seq', 'plain'],
  ['recorded_at', 'time'],
  ['actor', 'plain'],
  ['action', 'plain'],
  ['target', 'plain'],
  ['outcome', 'plain'],
  ['request_id', 'plain'],
  ['ip', 'plain'],
  ['details', 'json'],
  ['prev_hash', 'plain'],
  ['hash', 'plain'],
];

export function toAuditEntry([seq, at, actor, action, target, outcome, requestId, ip, details, prevHash, hash]: unknown[]): StoredAuditEntry {
  return {
    seq: Number(seq),
    at: Number(at),
    actor: String(actor),
    action: String(action),
    target: nullableString(target),
    outcome: String(outcome) as AuditOutcome,
    requestId: nullableString(requestId),
    ip: nullableString(ip),
    details: jsonValue<Record<string, unknown> | null>(details),
    prevHash: String(prevHash),
    hash: String(hash),
  };
}

export const API_KEY_COLUMNS: readonly Column[] = [
  ['id', 'plain'],
  ['name', 'plain'],
  ['key_hash', 'plain'],
  ['scopes', 'json'],
  ['sources', 'json'],
  ['created_by', 'plain'],
  ['created_at', 'time'],
  ['expires_at', 'time'],
  ['last_used_at', 'time'],
  ['revoked_at', 'time'],
];

export function toApiKey([id, name, keyHash, scopes, sources, createdBy, createdAt, expiresAt, lastUsedAt, revokedAt]: unknown[]): StoredApiKey {
  return {
    id: String(id),
    name: String(name),
    keyHash: String(keyHash),
    scopes: jsonValue<KeyScope[]>(scopes),
    sources: jsonValue<string[]>(sources),
    createdBy: String(createdBy),
    createdAt: Number(createdAt),
    expiresAt: nullableNumber(expiresAt),
    lastUsedAt: nullableNumber(lastUsedAt),
    revokedAt: nullableNumber(revokedAt),
  };
}

export const DASHBOARD_COLUMNS: readonly Column[] = [
  ['id', 'plain'],
  ['title', 'plain'],
  ['body', 'json'],
  ['created_by', 'plain'],
  ['created_at', 'time'],
  ['updated_at', 'time'],
];

export function toDashboard([id, title, body, createdBy, createdAt, updatedAt]: unknown[]): StoredDashboard {
  return {
    id: String(id),
    title: String(title),
    body: jsonValue<Record<string, unknown>>(body),
    createdBy: String(createdBy),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
  };
}

/** The catalog tables (metrics, kpis) share one shape. */
export const METRIC_COLUMNS: readonly Column[] = [
  ['name', 'plain'],
  ['definition', 'json'],
  ['updated_at', 'time'],
];

export function toMetric([name, definition, updatedAt]: unknown[]): StoredMetric {
  return { name: String(name), definition: jsonValue<Record<string, unknown>>(definition), updatedAt: Number(updatedAt) };
}

export const ROLE_COLUMNS: readonly Column[] = [
  ['name', 'plain'],
  ['description', 'plain'],
  ['grants', 'json'],
  ['updated_at', 'time'],
];

export function toRole([name, description, grants, updatedAt]: unknown[]): StoredRole {
  return { name: String(name), description: String(description), grants: jsonValue<SourceGrant[]>(grants), updatedAt: Number(updatedAt) };
}

export const SOURCE_COLUMNS: readonly Column[] = [
  ['name', 'plain'],
  ['description', 'plain'],
  ['retention_days', 'plain'],
  ['pii', 'json'],
  ['webhook_secret', 'plain'],
  ['created_at', 'time'],
  ['updated_at', 'time'],
  ['rollup_dimensions', 'json'],
];

export function toSource([name, description, retentionDays, pii, webhookSecret, createdAt, updatedAt, rollupDimensions]: unknown[]): StoredSource {
  return {
    name: String(name),
    description: String(description),
    retentionDays: nullableNumber(retentionDays),
    pii: jsonValue<Record<string, PiiAction>>(pii),
    webhookSecret: nullableString(webhookSecret),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
    // The embedded column is nullable (added by an ALTER TABLE without NOT NULL), so NULL reads as
    // "no dimensions"; PostgreSQL declares it NOT NULL, so there this never applies.
    rollupDimensions: jsonValue<string[] | null>(rollupDimensions) ?? [],
  };
}

/** `actor IN ($1, …) [AND source IN (…)]`, every value bound; undefined when it can match nothing. Both tiers take `$n`. */
export function actorFilter(actors: readonly string[], sources?: readonly string[]): { sql: string; params: string[] } | undefined {
  if (actors.length === 0 || sources?.length === 0) return undefined;
  const list = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
  let sql = `actor IN (${list(1, actors.length)})`;
  if (sources) sql += ` AND source IN (${list(actors.length + 1, sources.length)})`;
  return { sql, params: [...actors, ...(sources ?? [])] };
}

/** An event read as plain values: id, source, name, epoch ms, actor, value, props as JSON text. */
export function toStoredEvent([id, source, name, ts, actor, value, props]: unknown[]): StoredEvent {
  return {
    id: String(id),
    source: String(source),
    name: String(name),
    ts: Number(ts),
    actor: actor === null ? null : String(actor),
    value: value === null ? null : Number(value),
    props: props === null ? null : (JSON.parse(String(props)) as Record<string, unknown>),
  };
}
