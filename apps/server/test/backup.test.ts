import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TarFormatError, TarReader, tarHeader } from '../src/backup/tar.js';
import { main } from '../src/cli/main.js';
import { openDuckDbStores } from '../src/store/duckdb/index.js';
import { PORTABLE_TABLES, type PortableRow } from '../src/store/portable.js';
import { makeDataDir, startTestApp, USER_PASSWORD, type TestApp } from './support/harness.js';
import { startServerProcess, waitForExit } from './support/server-process.js';
import { pgAvailable, TEST_PG_URL } from './support/services.js';

/**
 * `sightline backup` / `sightline restore` through the CLI's main(): a data dir with every kind of
 * content is backed up, restored into a fresh data dir, and must come back equal (table by table)
 * and working (logins, keys, queries, the audit chain). Corrupted files are refused and leave the
 * target as it was.
 */

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const SECRET_KEY = randomBytes(32).toString('base64');
const dirs: string[] = [];
const tmp = makeDataDir();
dirs.push(tmp);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `sightline <args>` in this process with the given environment; collects what it prints. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = new Map<string, string | undefined>();
  const all = { SIGHTLINE_PORT: '9', SIGHTLINE_LOG_LEVEL: 'silent', SIGHTLINE_SECRET_KEY: SECRET_KEY, ...env };
  for (const [k, v] of Object.entries(all)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Every row of every portable table of an embedded data dir, read straight from the store. */
async function tablesOf(dataDir: string): Promise<Record<string, PortableRow[]>> {
  const stores = await openDuckDbStores(dataDir);
  try {
    const all: Record<string, PortableRow[]> = {};
    for (const { name } of PORTABLE_TABLES) {
      const rows: PortableRow[] = [];
      for await (const chunk of stores.portable.read(name)) rows.push(...chunk);
      all[name] = name === 'events' ? rows.sort((a, b) => Number(a.seq) - Number(b.seq)) : rows;
    }
    return all;
  } finally {
    await stores.close();
  }
}

/** Rollup totals per (source, name), when the store has rollup tables. */
async function rollupTotals(dataDir: string): Promise<unknown[][] | undefined> {
  const stores = await openDuckDbStores(dataDir);
  try {
    const [[present]] = (await stores.events.query(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rollup_day'`, [])) as [[number]];
    if (present === 0) return undefined;
    // By declared dimension slot too: the rebuild must use each source's restored dimensions.
    return await stores.events.query(
      'SELECT source, name, d1, d2, sum(events)::BIGINT, round(sum(value_sum), 6) FROM rollup_day GROUP BY ALL ORDER BY ALL',
      [],
    );
  } finally {
    await stores.close();
  }
}

interface GeneratedEvent {
  source: string;
  name: string;
  id: string;
  ts: number;
  actor: string;
  value: number | null;
  props: Record<string, unknown>;
}

/** Deterministic events over the last 20 days in two sources. */
function generateEvents(n: number): GeneratedEvent[] {
  const names = ['page_view', 'order', 'signup'];
  return Array.from({ length: n }, (_, i) => ({
    source: i % 3 === 0 ? 'tasks' : 'shop',
    name: names[i % names.length]!,
    id: `e-${i}`,
    ts: NOW - 60_000 - (i % 20) * DAY - (i % 977) * 61_000,
    actor: `user-${i % 37}`,
    value: i % 4 === 0 ? null : Math.round((i % 101) * 1.37 * 100) / 100,
    props: { plan: i % 2 === 0 ? 'pro' : 'free', country: ['de', 'fr', 'us'][i % 3], nested: { n: i % 5 } },
  }));
}

/** The reference answer: count and sum of value per (source, name). */
function reference(events: GeneratedEvent[]): Map<string, { count: number; sum: number }> {
  const out = new Map<string, { count: number; sum: number }>();
  for (const e of events) {
    const key = `${e.source}/${e.name}`;
    const entry = out.get(key) ?? { count: 0, sum: 0 };
    entry.count++;
    entry.sum += e.value ?? 0;
    out.set(key, entry);
  }
  return out;
}

/** What rollup_day must hold, per (source, name, d1, d2): shop declares props.plan and props.country. */
function referenceRollups(events: GeneratedEvent[], withDimensions: boolean): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const e of events) {
    const dims = withDimensions && e.source === 'shop' ? [e.props.plan, e.props.country] : [null, null];
    const key = JSON.stringify([e.source, e.name, ...dims]);
    const entry = out.get(key) ?? [0, 0];
    out.set(key, [entry[0] + 1, entry[1] + (e.value ?? 0)]);
  }
  for (const [key, [n, sum]] of out) out.set(key, [n, Math.round(sum * 1e6) / 1e6]);
  return out;
}

const rollupMap = (rows: unknown[][]) =>
  new Map(rows.map(([source, name, d1, d2, n, sum]) => [JSON.stringify([source, name, d1, d2]), [Number(n), Math.round(Number(sum) * 1e6) / 1e6]]));

async function answers(t: TestApp, token?: string): Promise<Map<string, { count: number; sum: number }>> {
  const out = new Map<string, { count: number; sum: number }>();
  for (const source of ['shop', 'tasks']) {
    const res = await t.inject(
      {
        method: 'POST',
        url: '/v1/query',
        payload: { source, measures: [{ as: 'n', fn: 'count' }, { as: 's', fn: 'sum', of: 'value' }], dimensions: ['name'], range: { last: '30d' } },
      },
      token,
    );
    expect(res.statusCode, res.body).toBe(200);
    for (const [name, n, s] of res.json().rows as [string, number, number | null][]) out.set(`${source}/${name}`, { count: n, sum: s ?? 0 });
  }
  return out;
}

function expectAnswersClose(actual: Map<string, { count: number; sum: number }>, expected: Map<string, { count: number; sum: number }>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, { count, sum }] of expected) {
    expect(actual.get(key)!.count, key).toBe(count);
    expect(actual.get(key)!.sum, key).toBeCloseTo(sum, 6);
  }
}

/** Where each entry's data starts in a tar file, by name (walks the 512-byte headers). */
function entries(file: string): Map<string, { start: number; size: number }> {
  const bytes = readFileSync(file);
  const out = new Map<string, { start: number; size: number }>();
  let at = 0;
  while (at + 512 <= bytes.length && bytes[at] !== 0) {
    const name = bytes.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    const size = parseInt(bytes.toString('latin1', at + 124, at + 135), 8);
    out.set(name, { start: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const EVENTS = generateEvents(6000);
const source = { dataDir: '', apiKey: '', readKey: '' };
let expected: Map<string, { count: number; sum: number }>;
let sourceTables: Record<string, PortableRow[]>;
let rollupsBefore: unknown[][] | undefined;
/** Whether the sources API took rollup dimensions (it does once the rollups work is in). */
let rollupDimensions = false;
const backupFile = path.join(tmp, 'sightline.backup');

beforeAll(async () => {
  const t = await startTestApp({ now: NOW, keep: true, config: { secretKey: Buffer.from(SECRET_KEY, 'base64') } });
  dirs.push(t.dataDir);
  source.dataDir = t.dataDir;
  try {
    const ok = (res: { statusCode: number; body: string }) => expect(res.statusCode, res.body).toBeLessThan(300);
    ok(await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'shop', description: 'The shop', retention_days: 400, pii: { 'props.email': 'hash' }, webhook_secret: 'a webhook secret of enough length 1234' } }));
    ok(await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'tasks', pii: { 'props.card': 'drop' } } }));
    // Rollup dimensions (when the sources API has them): restored with the source, rollups rebuilt.
    const dims = await t.inject({ method: 'PATCH', url: '/v1/sources/shop', payload: { rollup: { dimensions: ['props.plan', 'props.country'] } } });
    rollupDimensions = dims.statusCode === 200;
    ok(await t.inject({ method: 'PUT', url: '/v1/roles/shop_reader', payload: { description: 'reads the shop', grants: [{ source: 'shop', access: 'read' }] } }));
    ok(await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'reader@example.com', password: USER_PASSWORD, role: 'shop_reader' } }));
    ok(await t.inject({ method: 'PUT', url: '/v1/metrics/orders', payload: { description: 'Orders', fn: 'count' } }));
    ok(await t.inject({ method: 'PUT', url: '/v1/kpis/orders_goal', payload: { metric: 'orders', direction: 'higher', target: 120, warning: 90, critical: 60 } }));
    ok(await t.inject({ method: 'POST', url: '/v1/dashboards', payload: { title: 'Backed up', panels: [] } }));
    const ingestKey = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'ingest', scopes: ['ingest'], sources: ['shop', 'tasks'] } });
    ok(ingestKey);
    source.apiKey = ingestKey.json().key as string;
    const readKey = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'reader', scopes: ['read'], sources: ['*'] } });
    ok(readKey);
    source.readKey = readKey.json().key as string;
    for (let i = 0; i < EVENTS.length; i += 500) {
      const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: EVENTS.slice(i, i + 500) } }, source.apiKey);
      expect(res.statusCode, res.body).toBe(200);
    }
    expected = reference(EVENTS);
    expectAnswersClose(await answers(t), expected);
    expect((await t.inject('/v1/audit/verify')).json()).toMatchObject({ ok: true });
  } finally {
    await t.app.close();
  }
  sourceTables = await tablesOf(source.dataDir);
  rollupsBefore = await rollupTotals(source.dataDir);
  if (rollupDimensions) {
    expect(sourceTables.sources!.find((s) => s.name === 'shop')).toMatchObject({ rollup_dimensions: ['props.plan', 'props.country'] });
  }
  const backup = await cli(['backup', backupFile], { SIGHTLINE_DATA_DIR: source.dataDir });
  expect(backup.stderr).toBe('');
  expect(backup.code).toBe(0);
  for (const { name } of PORTABLE_TABLES) expect(backup.stdout).toMatch(new RegExp(`backed up ${name}\\s+${sourceTables[name]!.length} rows`));
}, 120_000);

describe('the tar format', () => {
  it('writes sizes past 8 GiB in GNU base-256, and reads them back; refuses a header with a bad checksum', async () => {
    const size = 9 * 1024 ** 3 + 7;
    const header = tarHeader('tables/events.ndjson.gz', size, NOW);
    expect(header[124]).toBe(0x80);
    const reader = new TarReader((async function* () {
      yield header;
    })());
    expect(await reader.next()).toEqual({ name: 'tables/events.ndjson.gz', size });
    await expect(reader.drain(() => undefined)).rejects.toThrow(TarFormatError);
    const small = tarHeader('x', 10, NOW);
    expect(small.toString('latin1', 124, 136)).toBe('00000000012\0');
    small[0] = 0x79; // 'y': the stored checksum no longer matches
    await expect(new TarReader((async function* () {
      yield small;
    })()).next()).rejects.toThrow(/no valid tar header at byte 0/);
  });
});

describe('sightline backup and restore (embedded tier)', () => {
  it('writes one tar file: manifest.json first, then a gzip NDJSON file per table with its checksum', () => {
    const list = entries(backupFile);
    expect([...list.keys()]).toEqual(['manifest.json', ...PORTABLE_TABLES.map((t) => `tables/${t.name}.ndjson.gz`)]);
    const { start, size } = list.get('manifest.json')!;
    const manifest = JSON.parse(readFileSync(backupFile).toString('utf8', start, start + size));
    expect(manifest).toMatchObject({ format: 'sightline-backup', formatVersion: 1, sourceTier: 'duckdb', sightlineVersion: expect.any(String) });
    expect(manifest.tables.find((t: { name: string }) => t.name === 'events')).toMatchObject({ rows: EVENTS.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(existsSync(backupFile)).toBe(true);
  });

  it('refuses to overwrite an existing file', async () => {
    const again = await cli(['backup', backupFile], { SIGHTLINE_DATA_DIR: source.dataDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('restores into a fresh data dir: every table equal, logins, keys, queries and the audit chain work', async () => {
    const target = makeDataDir();
    dirs.push(target);
    const restore = await cli(['restore', backupFile], { SIGHTLINE_DATA_DIR: target });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(/every checksum verified/);
    expect(restore.stdout).toMatch(new RegExp(`restored events\\s+${EVENTS.length} rows`));

    expect(await tablesOf(target)).toEqual(sourceTables);
    const rollups = await rollupTotals(target);
    if (rollupsBefore) expect(rollups).toBeDefined();
    // Rebuilt from the restored events with the restored dimensions: equal to a reference computation.
    if (rollups) expect(rollupMap(rollups)).toEqual(referenceRollups(EVENTS, rollupDimensions));

    const t = await startTestApp({ now: NOW, dataDir: target, keep: true, config: { secretKey: Buffer.from(SECRET_KEY, 'base64') } });
    try {
      // startTestApp logged the admin in with its password; the other user's works too.
      const reader = await t.login('reader@example.com', USER_PASSWORD);
      expect((await t.inject('/v1/sources/tasks', reader.access_token)).statusCode).toBe(404);
      expectAnswersClose(await answers(t), expected);
      expectAnswersClose(await answers(t, source.readKey), expected);
      const more = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ source: 'shop', name: 'order', id: 'after-restore', ts: NOW, value: 5 }] } }, source.apiKey);
      expect(more.json()).toMatchObject({ accepted: 1 });
      const dup = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [EVENTS[1]] } }, source.apiKey);
      expect(dup.json()).toMatchObject({ accepted: 0, duplicates: 1 });
      expect((await t.inject('/v1/audit/verify')).json()).toMatchObject({ ok: true });
      expect((await t.inject('/v1/sources/shop')).json()).toMatchObject({ pii: { 'props.email': 'hash' }, has_webhook_secret: true, retention_days: 400 });
      expect((await t.inject('/v1/kpis')).json().kpis.map((k: { name: string }) => k.name)).toContain('orders_goal');
      expect((await t.inject('/v1/dashboards')).json().dashboards.map((d: { title: string }) => d.title)).toContain('Backed up');
    } finally {
      await t.close();
    }
  }, 120_000);

  it('refuses a target holding data without --force, and replaces it with --force', async () => {
    const target = makeDataDir();
    dirs.push(target);
    const t = await startTestApp({ dataDir: target, keep: true, config: { secretKey: Buffer.from(SECRET_KEY, 'base64') } });
    await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ source: 'other', name: 'x', id: 'only-here' }] } });
    await t.app.close();
    const before = await tablesOf(target);

    const refused = await cli(['restore', backupFile], { SIGHTLINE_DATA_DIR: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds data.*--force/);
    expect(await tablesOf(target)).toEqual(before);

    const forced = await cli(['restore', backupFile, '--force'], { SIGHTLINE_DATA_DIR: target });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await tablesOf(target)).toEqual(sourceTables);
  }, 120_000);

  it('warns when the target runs under another secret key', async () => {
    const target = makeDataDir();
    dirs.push(target);
    const restore = await cli(['restore', backupFile], { SIGHTLINE_DATA_DIR: target, SIGHTLINE_SECRET_KEY: randomBytes(32).toString('base64') });
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(/^Warning: the backup was taken under secret key [0-9a-f]{8}, this Sightline uses [0-9a-f]{8}/);
  }, 60_000);

  describe('refuses a damaged or foreign file with one clear line, leaving the target unchanged', () => {
    let target: string;
    let before: Record<string, PortableRow[]>;
    beforeAll(async () => {
      target = makeDataDir();
      dirs.push(target);
      const t = await startTestApp({ dataDir: target, keep: true, config: { secretKey: Buffer.from(SECRET_KEY, 'base64') } });
      await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ source: 'kept', name: 'x', id: 'kept-1', value: 1 }] } });
      await t.app.close();
      before = await tablesOf(target);
    }, 60_000);

    const damaged = (name: string, change: (bytes: Buffer) => Buffer): string => {
      const file = path.join(tmp, name);
      writeFileSync(file, change(Buffer.from(readFileSync(backupFile))));
      return file;
    };

    async function expectRefused(file: string, message: RegExp): Promise<void> {
      const res = await cli(['restore', file, '--force'], { SIGHTLINE_DATA_DIR: target });
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(message);
      expect(await tablesOf(target)).toEqual(before);
    }

    it('a flipped byte in a table', async () => {
      const { start, size } = entries(backupFile).get('tables/events.ndjson.gz')!;
      const file = damaged('flipped.backup', (b) => {
        b[start + Math.floor(size / 2)]! ^= 0x01;
        return b;
      });
      await expectRefused(file, /^Restore refused: .*flipped\.backup: table events: checksum mismatch/);
    }, 60_000);

    it('a truncated file', async () => {
      const { start, size } = entries(backupFile).get('tables/events.ndjson.gz')!;
      const file = damaged('truncated.backup', (b) => b);
      truncateSync(file, start + Math.floor(size / 3));
      await expectRefused(file, /truncated\.backup is truncated: table events ends after \d+ of \d+ bytes/);
      const cut = damaged('cut.backup', (b) => b.subarray(0, b.length - 1024));
      await expectRefused(cut, /cut\.backup is truncated: the end-of-archive marker is missing/);
    }, 60_000);

    it('a manifest with a wrong checksum', async () => {
      const { start, size } = entries(backupFile).get('manifest.json')!;
      const file = damaged('manifest.backup', (b) => {
        const manifest = JSON.parse(b.toString('utf8', start, start + size));
        const users = manifest.tables.find((t: { name: string }) => t.name === 'users');
        users.sha256 = users.sha256.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
        const text = JSON.stringify(manifest, null, 2);
        b.fill(0x20, start, start + size);
        b.write(text, start, 'utf8');
        return b;
      });
      await expectRefused(file, /manifest\.backup: table users: checksum mismatch/);
    }, 60_000);

    it('a random file, a missing file, and a backup of a newer format', async () => {
      const random = path.join(tmp, 'random.bin');
      writeFileSync(random, randomBytes(20_000));
      await expectRefused(random, /random\.bin is not a Sightline backup/);
      await expectRefused(path.join(tmp, 'nosuch.backup'), /nosuch\.backup cannot be read/);
      const { start, size } = entries(backupFile).get('manifest.json')!;
      const newer = damaged('newer.backup', (b) => {
        const text = b.toString('utf8', start, start + size).replace('"formatVersion": 1', '"formatVersion": 2');
        b.write(text, start, 'utf8');
        return b;
      });
      await expectRefused(newer, /newer\.backup has backup format 2, newer than this Sightline reads \(1\)/);
      // Tar archives, but not ours.
      const other = path.join(tmp, 'other.tar');
      execFileSync('tar', ['-cf', other, '-C', path.dirname(backupFile), path.basename(backupFile)]);
      await expectRefused(other, /other\.tar is not a Sightline backup \(it does not start with a manifest\.json\)/);
      const foreign = damaged('foreign.backup', (b) => {
        const text = b.toString('utf8', start, start + size).replace('"format": "sightline-backup"', '"format": "other-backup!"');
        b.write(text, start, 'utf8');
        return b;
      });
      await expectRefused(foreign, /foreign\.backup is not a Sightline backup \(its manifest\.json does not say format "sightline-backup"\)/);
    }, 60_000);

    it('a store failure half-way rolls the whole restore back', async () => {
      const stores = await openDuckDbStores(target);
      try {
        await expect(
          stores.portable.restore(async (write) => {
            await write('metrics', [{ name: 'half', definition: { fn: 'count' }, updated_at: NOW }]);
            await write('events', [{ seq: 1, source: 's', id: 'a', name: 'n', ts: NOW, actor: null, value: 'not a number', props: null, received_at: NOW }]);
          }),
        ).rejects.toThrow(/table events, column value: expected a double/);
      } finally {
        await stores.close();
      }
      expect(await tablesOf(target)).toEqual(before);
    }, 60_000);
  });

  it('refuses while a server holds the embedded store', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir, SIGHTLINE_SECRET_KEY: SECRET_KEY });
    try {
      for (const args of [['backup', path.join(tmp, 'held.backup')], ['restore', backupFile, '--force']]) {
        const res = await cli(args, { SIGHTLINE_DATA_DIR: dataDir });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/^The data directory is in use by another Sightline process \(a running server\?\): stop it first/);
      }
      expect(existsSync(path.join(tmp, 'held.backup'))).toBe(false);
    } finally {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
  }, 120_000);

  it('says what is wrong with the command line', async () => {
    expect((await cli(['backup'], { SIGHTLINE_DATA_DIR: source.dataDir })).stderr).toMatch(/Usage: sightline backup FILE/);
    expect((await cli(['restore', 'a', 'b'], { SIGHTLINE_DATA_DIR: source.dataDir })).stderr).toMatch(/Usage: sightline restore FILE \[--force\]/);
    const nowhere = await cli(['backup', path.join(tmp, 'no-such-dir', 'x.backup')], { SIGHTLINE_DATA_DIR: source.dataDir });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/The directory of .* does not exist/);
    const empty = makeDataDir();
    dirs.push(empty);
    const nothing = await cli(['backup', path.join(tmp, 'empty.backup')], { SIGHTLINE_DATA_DIR: empty });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/Nothing to back up/);
  });
});

/** A fresh, uniquely named PostgreSQL database; `drop` removes it (waiting for its connections to end). */
async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sightline_backup_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      try {
        for (let attempt = 0; attempt < 50; attempt++) {
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== '55006') throw error; // object_in_use
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

describe('portable between tiers: embedded → PostgreSQL → embedded', async () => {
  const available = await pgAvailable();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  afterAll(async () => database?.drop());

  it.skipIf(!available)('restores into PostgreSQL, works there, and comes back equal', async () => {
    database = await createDatabase();
    const env = { SIGHTLINE_DATA_DIR: makeDataDir(), SIGHTLINE_DATABASE_URL: database.url };
    dirs.push(env.SIGHTLINE_DATA_DIR);
    const toPg = await cli(['restore', backupFile], env);
    expect(toPg.stderr).toBe('');
    expect(toPg.code).toBe(0);
    expect(toPg.stdout).toMatch(/into the postgres tier/);

    const pgFile = path.join(tmp, 'from-pg.backup');
    const fromPg = await cli(['backup', pgFile], env);
    expect(fromPg.stderr).toBe('');
    expect(fromPg.code).toBe(0);
    expect(fromPg.stdout).toMatch(/Backup of the postgres tier/);

    const back = makeDataDir();
    dirs.push(back);
    const restore = await cli(['restore', pgFile], { SIGHTLINE_DATA_DIR: back });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(await tablesOf(back)).toEqual(sourceTables);

    // And the restored PostgreSQL tier works: logins, keys, queries, idempotency (event_ids rebuilt), the audit chain.
    const t = await startTestApp({ now: NOW, dataDir: env.SIGHTLINE_DATA_DIR, keep: true, config: { secretKey: Buffer.from(SECRET_KEY, 'base64'), databaseUrl: database.url, logLevel: 'error' } });
    try {
      await t.login('reader@example.com', USER_PASSWORD);
      expectAnswersClose(await answers(t), expected);
      expectAnswersClose(await answers(t, source.readKey), expected);
      // event_ids were rebuilt: a stored event is a duplicate.
      const dup = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [EVENTS[2]] } }, source.apiKey);
      expect(dup.json()).toMatchObject({ accepted: 0, duplicates: 1 });
      expect((await t.inject('/v1/audit/verify')).json()).toMatchObject({ ok: true });
    } finally {
      await t.app.close();
    }
  }, 180_000);
});
