/**
 * The metadata tables of the PostgreSQL tier: the same table and column names (and column order) as
 * the embedded tier's (store/duckdb/schema.ts), so a backup taken on one tier restores on the other.
 * pg-events' migration list applies this as part of its first migration.
 *
 * Types: VARCHAR → TEXT, JSON → JSONB, DOUBLE → DOUBLE PRECISION; times are TIMESTAMPTZ (ms precision
 * is kept: PostgreSQL stores µs). The indexes serve the lookups the stores make besides the primary key.
 */
export const META_TABLES = `
CREATE TABLE metrics (
  name TEXT PRIMARY KEY,
  definition JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE kpis (
  name TEXT PRIMARY KEY,
  definition JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE dashboards (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  body JSONB NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
-- Dashboards are listed newest change first.
CREATE INDEX dashboards_updated_at ON dashboards (updated_at DESC);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  disabled BOOLEAN NOT NULL,
  must_change_password BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_login_at TIMESTAMPTZ
);
-- A role in use cannot be deleted: countWithRole.
CREATE INDEX users_role ON users (role);

CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  grants JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ
);
-- revokeFamily, revokeUser, and revokedSince (checked on every request's access token).
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_revoked_at ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  scopes JSONB NOT NULL,
  sources JSONB NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ,
  last_used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ
);

-- seq is the primary key: two instances that computed the same next entry cannot both append it,
-- so the hash chain cannot fork (see audit-store.ts).
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  recorded_at TIMESTAMPTZ NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  outcome TEXT NOT NULL,
  request_id TEXT,
  ip TEXT,
  details JSONB,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- The audit list filters by time range, actor, action and target, newest first.
CREATE INDEX audit_log_recorded_at ON audit_log (recorded_at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq DESC);
CREATE INDEX audit_log_action ON audit_log (action, seq DESC);
CREATE INDEX audit_log_target ON audit_log (target, seq DESC) WHERE target IS NOT NULL;

CREATE TABLE sources (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  retention_days INTEGER,
  pii JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  -- Sealed with AES-256-GCM (features/security/secret-box.ts), never in clear.
  webhook_secret TEXT,
  -- Declared rollup dimensions: up to 3 props.<path> fields, in slot order d1..d3.
  rollup_dimensions JSONB NOT NULL DEFAULT '[]'
);
`;
