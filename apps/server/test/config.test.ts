import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { runCli } from './support/server-process.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: path.resolve('./data'), logLevel: 'info', maxBatchEvents: 10_000, maxBodyBytes: 10 * 1024 * 1024 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every SIGHTLINE_* variable', () => {
    const config = loadConfig({
      SIGHTLINE_HOST: '0.0.0.0',
      SIGHTLINE_PORT: '9000',
      SIGHTLINE_DATA_DIR: '/tmp/sl',
      SIGHTLINE_LOG_LEVEL: 'debug',
      SIGHTLINE_MAX_BATCH_EVENTS: '500',
      SIGHTLINE_MAX_BODY_BYTES: '2048',
    });
    expect(config).toEqual({ host: '0.0.0.0', port: 9000, dataDir: '/tmp/sl', logLevel: 'debug', maxBatchEvents: 500, maxBodyBytes: 2048 });
  });

  it.each([
    ['SIGHTLINE_PORT', 'eighty', /SIGHTLINE_PORT: expected an integer from 0 to 65535, got "eighty"/],
    ['SIGHTLINE_PORT', '70000', /SIGHTLINE_PORT/],
    ['SIGHTLINE_PORT', '-1', /SIGHTLINE_PORT/],
    ['SIGHTLINE_LOG_LEVEL', 'loud', /SIGHTLINE_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/],
    ['SIGHTLINE_HOST', 'http://x', /SIGHTLINE_HOST/],
    ['SIGHTLINE_MAX_BATCH_EVENTS', '0', /SIGHTLINE_MAX_BATCH_EVENTS/],
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
