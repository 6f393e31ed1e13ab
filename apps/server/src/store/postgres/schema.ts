import { META_TABLES } from './meta-schema.js';

/**
 * Versioned migrations of the PostgreSQL tier. Each entry runs once, in order, in its own
 * transaction (database.ts); `schema_version` remembers the last one applied. An applied entry is
 * never edited: a change is a new entry.
 *
 * Same table and column names as the embedded tier (store/duckdb/schema.ts), so that a backup of
 * one restores on the other. What exists only here is derived state, rebuilt on restore:
 * `event_ids` (idempotency), `events_seq`, the month partitions.
 */
export const MIGRATIONS: readonly string[] = [
  `${META_TABLES}
   -- Events, partitioned by month of ts (partitions.ts creates them as ingest needs them; the DEFAULT
   -- partition takes anything else, so an insert never fails for a missing month). COLLATE "C" on
   -- the text the query engine compares and groups: code-point order, as on DuckDB, whatever the
   -- database's default collation.
   CREATE TABLE events (
     seq BIGINT NOT NULL,
     source TEXT COLLATE "C" NOT NULL,
     id TEXT NOT NULL,
     name TEXT COLLATE "C" NOT NULL,
     ts TIMESTAMPTZ NOT NULL,
     actor TEXT COLLATE "C",
     value DOUBLE PRECISION,
     props JSONB,
     received_at TIMESTAMPTZ NOT NULL
   ) PARTITION BY RANGE (ts);
   CREATE TABLE events_default PARTITION OF events DEFAULT;
   -- Every query filters on source and a ts range; BRIN keeps time-only scans cheap on append-mostly data.
   CREATE INDEX events_source_ts ON events (source, ts);
   CREATE INDEX events_ts_brin ON events USING brin (ts);
   -- Privacy export and erasure look events up by actor; funnels follow an actor in time (the
   -- "next step at or after" lateral join of postgresDialect.nextAtOrAfterJoin).
   CREATE INDEX events_actor_ts ON events (actor, ts) WHERE actor IS NOT NULL;

   -- A unique key on a partitioned table must include ts, and the same (source, id) may come back
   -- with another ts: idempotency lives in this plain table, written in the ingest transaction.
   -- COLLATE "C": byte comparisons, the cheapest for a key nobody sorts by meaning.
   CREATE TABLE event_ids (
     source TEXT COLLATE "C" NOT NULL,
     id TEXT COLLATE "C" NOT NULL,
     PRIMARY KEY (source, id)
   );
   -- seq is taken under the ingest advisory lock, so seq order is commit order (event-writer.ts).
   CREATE SEQUENCE events_seq AS BIGINT START 1 CACHE 1;

   CREATE TABLE rollup_minute (
     source TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, bucket BIGINT NOT NULL,
     d1 TEXT COLLATE "C", d2 TEXT COLLATE "C", d3 TEXT COLLATE "C",
     events BIGINT NOT NULL, value_count BIGINT NOT NULL,
     value_sum DOUBLE PRECISION, value_min DOUBLE PRECISION, value_max DOUBLE PRECISION
   );
   CREATE INDEX rollup_minute_source_bucket ON rollup_minute (source, bucket);
   CREATE TABLE rollup_hour (LIKE rollup_minute INCLUDING ALL);
   CREATE TABLE rollup_day (LIKE rollup_minute INCLUDING ALL);

   -- The planner guesses millions of groups for a time bucket (ENVIRONMENT.md: 3 M guessed for 600
   -- days, 2.6x slower plans). These are the UTC minute, hour and day bucket keys exactly as the
   -- query compiler writes them (postgresDialect: floorDiv(epochMs(ts), unit)); PostgreSQL 15 keeps
   -- inherited statistics on the partitioned table, built by ANALYZE events (event-store.ts).
   CREATE STATISTICS events_minute_bucket ON ((((date_part('epoch', ts) * 1000)::bigint) / 60000)) FROM events;
   CREATE STATISTICS events_hour_bucket ON ((((date_part('epoch', ts) * 1000)::bigint) / 3600000)) FROM events;
   CREATE STATISTICS events_day_bucket ON ((((date_part('epoch', ts) * 1000)::bigint) / 86400000)) FROM events;`,
];

/** Session-level advisory lock held while migrating: two instances starting together migrate once. */
export const MIGRATION_LOCK = 0x4d696772; // "Migr"

/** Transaction-level advisory lock of every ingest group: seq order is commit order across instances. */
export const INGEST_LOCK = 0x496e6773; // "Ings"

/** Transaction-level advisory lock taken while creating month partitions (partitions.ts). */
export const PARTITION_LOCK = 0x50617274; // "Part"
