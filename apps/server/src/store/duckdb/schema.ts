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
];

/** The staging table each writer lane appends to before one INSERT moves a group into `events`. */
export const STAGING_TABLE = `CREATE TEMP TABLE IF NOT EXISTS staging (
  seq BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  ts TIMESTAMPTZ NOT NULL,
  actor VARCHAR,
  value DOUBLE,
  props VARCHAR,
  received_at TIMESTAMPTZ NOT NULL
)`;
