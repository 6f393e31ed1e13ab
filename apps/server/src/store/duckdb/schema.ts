import { duckdbDialect, rollupCreateStatements, rollupDeltaStatements } from '@sightline/query';

/**
 * Versioned migrations of the embedded store. Each entry runs once, in order, inside a transaction;
 * `schema_version` remembers the last one applied.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     seq BIGINT NOT NULL,
     source VARCHAR NOT NULL,
     id VARCHAR NOT NULL,
     name VARCHAR NOT NULL,
     ts TIMESTAMPTZ NOT NULL,
     actor VARCHAR,
     value DOUBLE,
     props JSON,
     received_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (source, id)
   );
   CREATE TABLE metrics (
     name VARCHAR PRIMARY KEY,
     definition JSON NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );`,
  // Accounts, roles, sessions, API keys, the audit trail and sources (their PII rules).
  `CREATE TABLE users (
     id VARCHAR PRIMARY KEY,
     email VARCHAR NOT NULL UNIQUE,
     password_hash VARCHAR NOT NULL,
     role VARCHAR NOT NULL,
     disabled BOOLEAN NOT NULL,
     must_change_password BOOLEAN NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     last_login_at TIMESTAMPTZ
   );
   CREATE TABLE roles (
     name VARCHAR PRIMARY KEY,
     description VARCHAR NOT NULL,
     grants JSON NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE refresh_tokens (
     id VARCHAR PRIMARY KEY,
     family_id VARCHAR NOT NULL,
     user_id VARCHAR NOT NULL,
     secret_hash VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     expires_at TIMESTAMPTZ NOT NULL,
     used_at TIMESTAMPTZ,
     revoked_at TIMESTAMPTZ
   );
   CREATE TABLE api_keys (
     id VARCHAR PRIMARY KEY,
     name VARCHAR NOT NULL,
     key_hash VARCHAR NOT NULL,
     scopes JSON NOT NULL,
     sources JSON NOT NULL,
     created_by VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     expires_at TIMESTAMPTZ,
     last_used_at TIMESTAMPTZ,
     revoked_at TIMESTAMPTZ
   );
   CREATE TABLE audit_log (
     seq BIGINT PRIMARY KEY,
     recorded_at TIMESTAMPTZ NOT NULL,
     actor VARCHAR NOT NULL,
     action VARCHAR NOT NULL,
     target VARCHAR,
     outcome VARCHAR NOT NULL,
     request_id VARCHAR,
     ip VARCHAR,
     details JSON,
     prev_hash VARCHAR NOT NULL,
     hash VARCHAR NOT NULL
   );
   CREATE TABLE sources (
     name VARCHAR PRIMARY KEY,
     description VARCHAR NOT NULL,
     retention_days INTEGER,
     pii JSON NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );`,
  // A source's webhook secret, sealed with AES-256-GCM (features/security/secret-box.ts), never in clear.
  `ALTER TABLE sources ADD COLUMN webhook_secret VARCHAR;`,
  // KPIs (a metric with a target and thresholds) and dashboards (the whole definition as one JSON).
  `CREATE TABLE kpis (
     name VARCHAR PRIMARY KEY,
     definition JSON NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE dashboards (
     id VARCHAR PRIMARY KEY,
     title VARCHAR NOT NULL,
     body JSON NOT NULL,
     created_by VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );`,
  // Rollups (docs/rollups.md): per-minute/hour/day aggregates the query engine reads instead of
  // events when it can, and each source's declared dimensions. Events already stored are rolled up
  // here (no source declares dimensions yet), so an existing data dir gets rollups on upgrade.
  [
    ...rollupCreateStatements({ index: false }),
    `ALTER TABLE sources ADD COLUMN rollup_dimensions JSON DEFAULT '[]'`,
    ...rollupDeltaStatements(duckdbDialect, new Map(), 'events'),
  ].join(';\n'),
];

/**
 * The staging table each writer lane appends to before one INSERT moves a group into `events`.
 * Numbers and times are staged as DOUBLE (exact for integers below 2^53, epoch ms for times): the
 * appender's DOUBLE path is a direct call, while its BIGINT and TIMESTAMPTZ paths cost a BigInt or a
 * generic value per cell; DuckDB converts the whole group at once in the INSERT.
 */
export const STAGING_TABLE = `CREATE TEMP TABLE IF NOT EXISTS staging (
  seq DOUBLE NOT NULL,
  source VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  ts_ms DOUBLE NOT NULL,
  actor VARCHAR,
  value DOUBLE,
  props VARCHAR,
  received_ms DOUBLE NOT NULL
)`;

/** Reads the staged group in the shape of `events`. */
export const SELECT_STAGED = `SELECT seq::BIGINT, source, id, name, make_timestamptz(ts_ms::BIGINT * 1000), actor, value,
  props::JSON, make_timestamptz(received_ms::BIGINT * 1000) FROM staging`;
