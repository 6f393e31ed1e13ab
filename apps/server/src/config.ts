import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The one place that reads process.env. Every SIGHTLINE_* variable is parsed and validated here,
 * once, at start; a bad value stops start-up with one line naming the variable and what it accepts.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** Most events one ingest request may carry. */
  readonly maxBatchEvents: number;
  /** Largest request body, in bytes. */
  readonly maxBodyBytes: number;
}

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

/** Builds the configuration from an environment (process.env by default) and freezes it. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = env.SIGHTLINE_DATA_DIR;
  if (dataDir !== undefined && dataDir.trim() === '' && dataDir !== '') {
    throw new ConfigError('SIGHTLINE_DATA_DIR', 'expected a directory path, got only spaces');
  }
  const config: Config = {
    host: host(env, 'SIGHTLINE_HOST', '127.0.0.1'),
    port: integer(env, 'SIGHTLINE_PORT', 8080, 0, 65535),
    dataDir: path.resolve(dataDir || './data'),
    logLevel: oneOf(env, 'SIGHTLINE_LOG_LEVEL', 'info', LOG_LEVELS),
    maxBatchEvents: integer(env, 'SIGHTLINE_MAX_BATCH_EVENTS', 10_000, 1, 1_000_000),
    maxBodyBytes: integer(env, 'SIGHTLINE_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    ...overrides,
  };
  return Object.freeze(config);
}

/** Loads `./.env` into process.env if present (variables already set win), as SPEC §9 promises. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
