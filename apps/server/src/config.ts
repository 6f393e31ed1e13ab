import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one place that reads process.env. Every SIGHTLINE_* variable is parsed and validated here,
 * once, at start; a bad value stops start-up with one line naming the variable and what it accepts.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /**
   * `postgres://…`: events and all metadata live in PostgreSQL (the production tier); undefined:
   * the embedded DuckDB file under dataDir.
   */
  readonly databaseUrl: string | undefined;
  /**
   * `redis://…`: cache, rate limits, live fan-out and the job queue are shared through Redis, so
   * several instances behave as one; undefined: all of them in-process.
   */
  readonly redisUrl: string | undefined;
  /**
   * Prepended to every Redis key and channel Sightline uses (BullMQ's too), so that several
   * deployments, or test runs, can share one Redis without seeing each other's data.
   */
  readonly redisPrefix: string;
  readonly cache: CacheConfig;
  readonly jobs: JobsConfig;
  /** The built web app (apps/web/dist), served at `/`. */
  readonly webDir: string;
  readonly logLevel: LogLevel;
  /** Most events one ingest request may carry. */
  readonly maxBatchEvents: number;
  /** Largest request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  readonly maxJsonDepth: number;
  /** `production` makes weak or missing secrets fatal at start. */
  readonly nodeEnv: string;
  /** Creates the first admin on a first start (both or neither). */
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  /** HS256 signing secret of access tokens; undefined: generated and kept in the data dir. */
  readonly jwtSecret: string | undefined;
  /** Lifetime of an access token, seconds (at most 15 minutes). */
  readonly accessTokenSeconds: number;
  /** Lifetime of a refresh token (and of a session that keeps refreshing), seconds. */
  readonly refreshTokenSeconds: number;
  /** When set, scraping /metrics takes this bearer token. */
  readonly metricsToken: string | undefined;
  /** Origins allowed by CORS (exact matches); empty: no cross-origin access. */
  readonly corsOrigins: readonly string[];
  /** Fastify's trustProxy: false, true, or the addresses of trusted proxies. */
  readonly trustProxy: boolean | string;
  /** AES-256-GCM key for secrets at rest (32 bytes); undefined: generated and kept in the data dir. */
  readonly secretKey: Buffer | undefined;
  /** Earlier secret keys, still used to decrypt what they encrypted until it is re-encrypted. */
  readonly previousSecretKeys: readonly Buffer[];
  readonly rateLimits: RateLimits;
  readonly loginGuard: LoginGuardConfig;
  readonly live: LiveConfig;
}

/** The live channel (`/v1/live`). */
export interface LiveConfig {
  /** Open WebSocket connections one instance holds; one more is closed with 1013 and a reason. */
  readonly maxConnections: number;
  /** Messages a client may send per second (a burst of twice as many); a flood is closed with 1008. */
  readonly messagesPerSecond: number;
  /** Subscriptions one connection may hold. */
  readonly maxSubscriptions: number;
  /** How often a live query is recomputed at most, per second, however many events and listeners. */
  readonly queryUpdatesPerSecond: number;
  /** Interval of the server's pings; a peer that has not answered the previous one is dropped. */
  readonly heartbeatSeconds: number;
  /** Bytes written to a connection and not yet sent, beyond which updates wait (and coalesce). */
  readonly sendQueueBytes: number;
  /** Time a new connection has to authenticate. */
  readonly authTimeoutSeconds: number;
}

/**
 * The query-result cache (in-process LRU, or Redis when SIGHTLINE_REDIS_URL is set). A TTL of 0
 * switches caching off for that kind of query.
 */
export interface CacheConfig {
  /** Queries over a `{"last": …}` range: their range slides with the clock, so they go stale by themselves. */
  readonly relativeSeconds: number;
  /** Funnels over a `{"last": …}` range: costly, and a conversion rate moves slowly. */
  readonly relativeFunnelSeconds: number;
  /** Queries over fixed dates: only new events in the range change them, and those invalidate the entry. */
  readonly absoluteSeconds: number;
  /** Entries the in-process cache holds at most (least recently used leave first). */
  readonly maxEntries: number;
}

/** Scheduled jobs (BullMQ on Redis, or timers in-process). */
export interface JobsConfig {
  /** How often rollup delta rows are merged. */
  readonly rollupCompactSeconds: number;
  /** How often events older than their source's retention are deleted. */
  readonly retentionSeconds: number;
}

/** A limit of `points` requests per `seconds`; `points: 0` switches the limit off. */
export interface Limit {
  readonly points: number;
  readonly seconds: number;
}

/** Limits per client address, per user and per API key. */
export interface LimitSet {
  readonly ip: Limit;
  readonly user: Limit;
  readonly key: Limit;
}

export const RATE_GROUPS = ['ingest', 'query', 'auth', 'api'] as const;
export type RateGroup = (typeof RATE_GROUPS)[number];
export type RateLimits = Readonly<Record<RateGroup, LimitSet>>;

export interface LoginGuardConfig {
  /** Failed logins of one account before it is locked out. */
  readonly accountFailures: number;
  /** Failed logins from one address before it is locked out. */
  readonly ipFailures: number;
  /** The window the failures are counted in, seconds. */
  readonly windowSeconds: number;
  /** The first lockout, seconds; each further lockout within a day doubles it (at most a day). */
  readonly lockoutSeconds: number;
}

const DEFAULT_RATE_LIMITS: RateLimits = {
  ingest: { ip: { points: 5000, seconds: 1 }, user: { points: 5000, seconds: 1 }, key: { points: 5000, seconds: 1 } },
  query: { ip: { points: 200, seconds: 1 }, user: { points: 100, seconds: 1 }, key: { points: 100, seconds: 1 } },
  auth: { ip: { points: 30, seconds: 60 }, user: { points: 30, seconds: 60 }, key: { points: 30, seconds: 60 } },
  api: { ip: { points: 300, seconds: 1 }, user: { points: 150, seconds: 1 }, key: { points: 150, seconds: 1 } },
};

/** Secrets that appear in tutorials and defaults: never acceptable for signing in production. */
const WELL_KNOWN_SECRETS = new Set([
  'secret', 'changeme', 'change-me', 'changeit', 'password', 'your-256-bit-secret', 'your-secret-key', 'jwt-secret',
  'jwtsecret', 'supersecret', 'super-secret', 'mysecret', 'my-secret', 'default', 'sightline', 'test', 'development',
  'secretkey', 'secret-key', 'shhhhh', 'keyboard cat', 'your_jwt_secret', 'your-jwt-secret',
]);
const MIN_JWT_SECRET_LENGTH = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function host(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // A host name or an IPv4/IPv6 address; no scheme, port or path.
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) {
    throw new ConfigError(name, `expected a host name or IP address such as 127.0.0.1 or 0.0.0.0, got "${raw}"`);
  }
  return raw;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30d`, `15m`, `900` (seconds) → seconds. */
function duration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : NaN;
  if (!(seconds >= min && seconds <= max)) {
    throw new ConfigError(name, `expected a duration from ${min} s to ${max} s such as 900, 15m, 12h or 30d, got "${raw}"`);
  }
  return seconds;
}

/** `ip=100/1s,user=50/1s,key=50/1m` over the defaults; `0` switches one off. */
function limitSet(env: Env, name: string, fallback: LimitSet): LimitSet {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const result: Record<string, Limit> = { ...fallback };
  const expected = 'expected ip=, user= and key= limits such as "ip=100/1s,user=50/1s,key=1000/1m" (0 switches one off)';
  for (const part of raw.split(',')) {
    const match = /^\s*(ip|user|key)\s*=\s*(?:(0)|(\d{1,9})\/(\d{0,6})([smh]))\s*$/.exec(part);
    if (!match) throw new ConfigError(name, `${expected}, got "${raw}"`);
    const [, who, off, points, count, unit] = match;
    result[who!] = off ? { points: 0, seconds: 1 } : { points: Number(points), seconds: Number(count || 1) * UNIT_SECONDS[unit!]! };
    if (!off && result[who!]!.seconds === 0) throw new ConfigError(name, `${expected}, got "${raw}"`);
  }
  return result as unknown as LimitSet;
}

/** A Redis key prefix: letters, digits and `:_.-`, such as `sightline:` or `acme-prod:`. */
function keyPrefix(env: Env, name: string, fallback: string): string {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) {
    throw new ConfigError(name, `expected 1 to 64 characters of letters, digits, ":", "_", "." or "-" such as "sightline:", got "${raw}"`);
  }
  return raw;
}

function jwtSecret(env: Env, production: boolean): string | undefined {
  const raw = optional(env, 'SIGHTLINE_JWT_SECRET');
  const problem =
    raw === undefined
      ? 'is required when NODE_ENV=production (a random string of at least 32 characters, e.g. `openssl rand -base64 48`)'
      : raw.length < MIN_JWT_SECRET_LENGTH
        ? `must be at least ${MIN_JWT_SECRET_LENGTH} characters (got ${raw.length}); generate one with \`openssl rand -base64 48\``
        : WELL_KNOWN_SECRETS.has(raw.toLowerCase()) || new Set(raw).size < 8
          ? 'is a well-known or low-entropy value; generate one with `openssl rand -base64 48`'
          : undefined;
  // Outside production a short secret is still refused (it would be guessable); a missing one is generated.
  if (problem && (production || raw !== undefined)) throw new ConfigError('SIGHTLINE_JWT_SECRET', problem);
  return raw;
}

/** A 32-byte key as 64 hex digits or base64. */
function secretKey(name: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(raw) && key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, ''))) {
    throw new ConfigError(name, 'expected a 32-byte key as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)');
  }
  return key;
}

function origins(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  const list = raw.split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of list) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      throw new ConfigError(name, `expected a comma-separated list of origins such as https://app.example.com, got "${origin}"`);
    }
  }
  return list;
}

function trustProxy(env: Env, name: string): boolean | string {
  const raw = optional(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (!/^[0-9A-Fa-f.:/, ]+$/.test(raw)) {
    throw new ConfigError(name, `expected true, false or a comma-separated list of proxy addresses/CIDRs, got "${raw}"`);
  }
  return raw;
}

/** A connection URL with one of `schemes` (credentials are never echoed back in the error). */
function url(env: Env, name: string, schemes: readonly string[], example: string): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let scheme: string | undefined;
  try {
    scheme = new URL(raw).protocol.replace(/:$/, '');
  } catch {
    scheme = undefined;
  }
  if (scheme === undefined || !schemes.includes(scheme)) {
    throw new ConfigError(name, `expected a URL such as ${example} (scheme ${schemes.join(' or ')})`);
  }
  return raw;
}

/** apps/web/dist, beside this package (this file runs from apps/server/dist/config.js). */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Builds the configuration from an environment (process.env by default) and freezes it. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = env.SIGHTLINE_DATA_DIR;
  if (dataDir !== undefined && dataDir.trim() === '' && dataDir !== '') {
    throw new ConfigError('SIGHTLINE_DATA_DIR', 'expected a directory path, got only spaces');
  }
  const nodeEnv = optional(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const rawSecretKey = optional(env, 'SIGHTLINE_SECRET_KEY');
  const config: Config = {
    host: host(env, 'SIGHTLINE_HOST', '127.0.0.1'),
    port: integer(env, 'SIGHTLINE_PORT', 8080, 0, 65535),
    dataDir: path.resolve(dataDir || './data'),
    databaseUrl: url(env, 'SIGHTLINE_DATABASE_URL', ['postgres', 'postgresql'], 'postgres://user:password@127.0.0.1:5432/sightline'),
    redisUrl: url(env, 'SIGHTLINE_REDIS_URL', ['redis', 'rediss'], 'redis://127.0.0.1:6379/0'),
    redisPrefix: keyPrefix(env, 'SIGHTLINE_REDIS_PREFIX', 'sightline:'),
    cache: {
      relativeSeconds: duration(env, 'SIGHTLINE_CACHE_TTL_RELATIVE', 10, 0, 86_400),
      relativeFunnelSeconds: duration(env, 'SIGHTLINE_CACHE_TTL_FUNNEL', 60, 0, 86_400),
      absoluteSeconds: duration(env, 'SIGHTLINE_CACHE_TTL_ABSOLUTE', 3600, 0, 30 * 86_400),
      maxEntries: integer(env, 'SIGHTLINE_CACHE_MAX_ENTRIES', 1000, 0, 1_000_000),
    },
    jobs: {
      rollupCompactSeconds: duration(env, 'SIGHTLINE_ROLLUP_COMPACT_EVERY', 300, 1, 86_400),
      retentionSeconds: duration(env, 'SIGHTLINE_RETENTION_EVERY', 3600, 1, 7 * 86_400),
    },
    webDir: path.resolve(optional(env, 'SIGHTLINE_WEB_DIR') ?? DEFAULT_WEB_DIR),
    logLevel: oneOf(env, 'SIGHTLINE_LOG_LEVEL', 'info', LOG_LEVELS),
    maxBatchEvents: integer(env, 'SIGHTLINE_MAX_BATCH_EVENTS', 10_000, 1, 1_000_000),
    maxBodyBytes: integer(env, 'SIGHTLINE_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxJsonDepth: integer(env, 'SIGHTLINE_MAX_JSON_DEPTH', 32, 2, 1000),
    nodeEnv,
    adminEmail: optional(env, 'SIGHTLINE_ADMIN_EMAIL'),
    adminPassword: optional(env, 'SIGHTLINE_ADMIN_PASSWORD'),
    jwtSecret: jwtSecret(env, production),
    accessTokenSeconds: duration(env, 'SIGHTLINE_ACCESS_TOKEN_TTL', 900, 30, 900),
    refreshTokenSeconds: duration(env, 'SIGHTLINE_REFRESH_TOKEN_TTL', 30 * 86_400, 300, 365 * 86_400),
    metricsToken: optional(env, 'SIGHTLINE_METRICS_TOKEN'),
    corsOrigins: origins(env, 'SIGHTLINE_CORS_ORIGINS'),
    trustProxy: trustProxy(env, 'SIGHTLINE_TRUST_PROXY'),
    secretKey: rawSecretKey === undefined ? undefined : secretKey('SIGHTLINE_SECRET_KEY', rawSecretKey),
    previousSecretKeys: (optional(env, 'SIGHTLINE_SECRET_KEYS_PREVIOUS') ?? '')
      .split(',')
      .filter((k) => k.trim() !== '')
      .map((k) => secretKey('SIGHTLINE_SECRET_KEYS_PREVIOUS', k.trim())),
    rateLimits: {
      ingest: limitSet(env, 'SIGHTLINE_RATE_LIMIT_INGEST', DEFAULT_RATE_LIMITS.ingest),
      query: limitSet(env, 'SIGHTLINE_RATE_LIMIT_QUERY', DEFAULT_RATE_LIMITS.query),
      auth: limitSet(env, 'SIGHTLINE_RATE_LIMIT_AUTH', DEFAULT_RATE_LIMITS.auth),
      api: limitSet(env, 'SIGHTLINE_RATE_LIMIT_API', DEFAULT_RATE_LIMITS.api),
    },
    loginGuard: {
      accountFailures: integer(env, 'SIGHTLINE_LOGIN_MAX_FAILURES', 5, 1, 1000),
      ipFailures: integer(env, 'SIGHTLINE_LOGIN_MAX_FAILURES_PER_IP', 20, 1, 100_000),
      windowSeconds: duration(env, 'SIGHTLINE_LOGIN_FAILURE_WINDOW', 900, 1, 86_400),
      lockoutSeconds: duration(env, 'SIGHTLINE_LOGIN_LOCKOUT', 60, 1, 86_400),
    },
    live: {
      maxConnections: integer(env, 'SIGHTLINE_LIVE_MAX_CONNECTIONS', 15_000, 1, 1_000_000),
      messagesPerSecond: integer(env, 'SIGHTLINE_LIVE_MESSAGES_PER_SECOND', 20, 1, 10_000),
      maxSubscriptions: integer(env, 'SIGHTLINE_LIVE_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
      queryUpdatesPerSecond: integer(env, 'SIGHTLINE_LIVE_QUERY_UPDATES_PER_SECOND', 4, 1, 100),
      heartbeatSeconds: duration(env, 'SIGHTLINE_LIVE_HEARTBEAT', 30, 1, 3600),
      sendQueueBytes: integer(env, 'SIGHTLINE_LIVE_SEND_QUEUE_BYTES', 1024 * 1024, 4096, 1024 * 1024 * 1024),
      authTimeoutSeconds: duration(env, 'SIGHTLINE_LIVE_AUTH_TIMEOUT', 10, 1, 600),
    },
    ...overrides,
  };
  if ((config.adminEmail === undefined) !== (config.adminPassword === undefined)) {
    throw new ConfigError(
      config.adminEmail === undefined ? 'SIGHTLINE_ADMIN_EMAIL' : 'SIGHTLINE_ADMIN_PASSWORD',
      'SIGHTLINE_ADMIN_EMAIL and SIGHTLINE_ADMIN_PASSWORD go together: set both or neither',
    );
  }
  if (production && config.secretKey === undefined) {
    throw new ConfigError('SIGHTLINE_SECRET_KEY', 'is required when NODE_ENV=production (32 bytes, e.g. `openssl rand -base64 32`)');
  }
  return Object.freeze(config);
}

/** Loads `./.env` into process.env if present (variables already set win), as SPEC §9 promises. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
