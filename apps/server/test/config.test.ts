import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { runCli } from './support/server-process.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: path.resolve('./data'), logLevel: 'info', maxBatchEvents: 10_000, maxBodyBytes: 10 * 1024 * 1024 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.live).toEqual({ maxConnections: 15_000, messagesPerSecond: 20, maxSubscriptions: 100, queryUpdatesPerSecond: 4, heartbeatSeconds: 30, sendQueueBytes: 1024 * 1024, authTimeoutSeconds: 10 });
  });

  it('reads every SIGHTLINE_* variable', () => {
    const config = loadConfig({
      SIGHTLINE_HOST: '0.0.0.0',
      SIGHTLINE_PORT: '9000',
      SIGHTLINE_DATA_DIR: '/tmp/sl',
      SIGHTLINE_LOG_LEVEL: 'debug',
      SIGHTLINE_MAX_BATCH_EVENTS: '500',
      SIGHTLINE_MAX_BODY_BYTES: '2048',
      SIGHTLINE_MAX_JSON_DEPTH: '10',
      SIGHTLINE_ADMIN_EMAIL: 'root@example.com',
      SIGHTLINE_ADMIN_PASSWORD: 'a long enough passphrase',
      SIGHTLINE_JWT_SECRET: 'k'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz012345',
      SIGHTLINE_ACCESS_TOKEN_TTL: '5m',
      SIGHTLINE_REFRESH_TOKEN_TTL: '7d',
      SIGHTLINE_METRICS_TOKEN: 'scrape-me',
      SIGHTLINE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      SIGHTLINE_TRUST_PROXY: '10.0.0.0/8',
      SIGHTLINE_SECRET_KEY: 'ab'.repeat(32),
      SIGHTLINE_SECRET_KEYS_PREVIOUS: Buffer.alloc(32, 7).toString('base64'),
      SIGHTLINE_RATE_LIMIT_INGEST: 'ip=100/1s,key=0',
      SIGHTLINE_RATE_LIMIT_QUERY: 'user=10/1m',
      SIGHTLINE_RATE_LIMIT_AUTH: 'ip=5/1m',
      SIGHTLINE_RATE_LIMIT_API: 'key=7/2s',
      SIGHTLINE_LOGIN_MAX_FAILURES: '3',
      SIGHTLINE_LOGIN_MAX_FAILURES_PER_IP: '9',
      SIGHTLINE_LOGIN_FAILURE_WINDOW: '10m',
      SIGHTLINE_LOGIN_LOCKOUT: '30s',
      SIGHTLINE_LIVE_MAX_CONNECTIONS: '500',
      SIGHTLINE_LIVE_MESSAGES_PER_SECOND: '7',
      SIGHTLINE_LIVE_MAX_SUBSCRIPTIONS: '12',
      SIGHTLINE_LIVE_QUERY_UPDATES_PER_SECOND: '10',
      SIGHTLINE_LIVE_HEARTBEAT: '1m',
      SIGHTLINE_LIVE_SEND_QUEUE_BYTES: '65536',
      SIGHTLINE_LIVE_AUTH_TIMEOUT: '5s',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/tmp/sl',
      logLevel: 'debug',
      maxBatchEvents: 500,
      maxBodyBytes: 2048,
      maxJsonDepth: 10,
      nodeEnv: 'production',
      adminEmail: 'root@example.com',
      adminPassword: 'a long enough passphrase',
      accessTokenSeconds: 300,
      refreshTokenSeconds: 7 * 86_400,
      metricsToken: 'scrape-me',
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      trustProxy: '10.0.0.0/8',
      secretKey: Buffer.from('ab'.repeat(32), 'hex'),
      previousSecretKeys: [Buffer.alloc(32, 7)],
      loginGuard: { accountFailures: 3, ipFailures: 9, windowSeconds: 600, lockoutSeconds: 30 },
      live: { maxConnections: 500, messagesPerSecond: 7, maxSubscriptions: 12, queryUpdatesPerSecond: 10, heartbeatSeconds: 60, sendQueueBytes: 65536, authTimeoutSeconds: 5 },
    });
    expect(config.rateLimits.ingest).toEqual({ ip: { points: 100, seconds: 1 }, user: { points: 5000, seconds: 1 }, key: { points: 0, seconds: 1 } });
    expect(config.rateLimits.query.user).toEqual({ points: 10, seconds: 60 });
    expect(config.rateLimits.auth.ip).toEqual({ points: 5, seconds: 60 });
    expect(config.rateLimits.api.key).toEqual({ points: 7, seconds: 2 });
  });

  it('in production, a missing, short or well-known JWT secret or a missing secret key stops start-up', () => {
    const key = { SIGHTLINE_SECRET_KEY: 'ab'.repeat(32), NODE_ENV: 'production' };
    expect(() => loadConfig(key)).toThrow(/SIGHTLINE_JWT_SECRET: is required when NODE_ENV=production/);
    expect(() => loadConfig({ ...key, SIGHTLINE_JWT_SECRET: 'short-secret' })).toThrow(/SIGHTLINE_JWT_SECRET: must be at least 32 characters/);
    expect(() => loadConfig({ ...key, SIGHTLINE_JWT_SECRET: 'a'.repeat(40) })).toThrow(/SIGHTLINE_JWT_SECRET: is a well-known or low-entropy value/);
    expect(() => loadConfig({ NODE_ENV: 'production', SIGHTLINE_JWT_SECRET: 'k3J9x!pQ2mZ7vR4tW8yB1nC6dF0gH5jL' })).toThrow(/SIGHTLINE_SECRET_KEY: is required/);
    // Outside production a missing secret is generated into the data dir; a weak one is still refused.
    expect(loadConfig({}).jwtSecret).toBeUndefined();
    expect(() => loadConfig({ SIGHTLINE_JWT_SECRET: 'secret' })).toThrow(/SIGHTLINE_JWT_SECRET/);
  });

  it.each([
    ['SIGHTLINE_PORT', 'eighty', /SIGHTLINE_PORT: expected an integer from 0 to 65535, got "eighty"/],
    ['SIGHTLINE_PORT', '70000', /SIGHTLINE_PORT/],
    ['SIGHTLINE_PORT', '-1', /SIGHTLINE_PORT/],
    ['SIGHTLINE_LOG_LEVEL', 'loud', /SIGHTLINE_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/],
    ['SIGHTLINE_HOST', 'http://x', /SIGHTLINE_HOST/],
    ['SIGHTLINE_MAX_BATCH_EVENTS', '0', /SIGHTLINE_MAX_BATCH_EVENTS/],
    ['SIGHTLINE_ACCESS_TOKEN_TTL', '1h', /SIGHTLINE_ACCESS_TOKEN_TTL: expected a duration from 30 s to 900 s/],
    ['SIGHTLINE_RATE_LIMIT_INGEST', 'ip=lots', /SIGHTLINE_RATE_LIMIT_INGEST: expected ip=, user= and key= limits/],
    ['SIGHTLINE_RATE_LIMIT_QUERY', 'everyone=5/1s', /SIGHTLINE_RATE_LIMIT_QUERY/],
    ['SIGHTLINE_CORS_ORIGINS', 'example.com', /SIGHTLINE_CORS_ORIGINS: expected a comma-separated list of origins/],
    ['SIGHTLINE_SECRET_KEY', 'too-short', /SIGHTLINE_SECRET_KEY: expected a 32-byte key/],
    ['SIGHTLINE_ADMIN_EMAIL', 'a@example.com', /SIGHTLINE_ADMIN_PASSWORD: SIGHTLINE_ADMIN_EMAIL and SIGHTLINE_ADMIN_PASSWORD go together/],
    ['SIGHTLINE_TRUST_PROXY', 'maybe', /SIGHTLINE_TRUST_PROXY/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('a bad value stops start-up with one clear line', async () => {
    const { code, stdout, stderr } = await runCli(['start'], { SIGHTLINE_PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n').filter((l) => !l.startsWith('Building'))).toEqual([
      'Configuration error: SIGHTLINE_PORT: expected an integer from 0 to 65535, got "eighty"',
    ]);
  });
});
