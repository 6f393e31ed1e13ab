import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.js';
import { startServer } from '../main.js';
import { isLockError } from '../store/duckdb/index.js';
import { ApiError, UsageError, auditCommand, keyCommand, userCommand } from './accounts.js';
import { openApi, type Api } from './api-client.js';
import { backupCommand, restoreCommand } from './backup.js';
import { loadDemo, loadDemoInto } from './demo.js';
import { migrateCommand } from './migrate.js';
import { renderTable } from './table.js';

const USAGE = `Usage: sightline <command> [options]

Commands:
  start [--demo [--events N] [--days N] [--seed N]]
                                       start the server (--demo: load the demo data on a first start)
  demo [--events N] [--days N] [--seed N]
                                       load generated demo data for the commerce, tasks, modelhub
                                       and system packs (default 1000000 events over 90 days)
  query [file.json|-] [--json]         run a query (from a file or stdin) and print the answer
  user create --email ADDRESS [--role ROLE] [--password PASSWORD]
  user list | disable USER | enable USER | set-role USER ROLE | reset-password USER
                                       manage users (USER: e-mail address or id); without
                                       --password a one-time password is printed once
  key create --scope ingest|read|admin --sources shop,tasks|* [--name NAME] [--expires 90d]
  key list | revoke ID                 manage API keys; a new key is printed once
  audit verify                         check the audit trail's hash chain; names the first broken link
  backup FILE                          write every table (users, keys, dashboards, events, …) into one
                                       portable file; the embedded tier's server must be stopped
  restore FILE [--force]               check FILE, then replace everything with it (--force: even when
                                       the target holds data); rollups are rebuilt (docs/backup.md)
  migrate                              apply pending schema migrations of the configured tier (also
                                       done at start) and print the versions before and after

Every command goes through the server running on the configured address, or works on the data
dir directly when none answers. Configuration: SIGHTLINE_* variables (see docs/operations.md).`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** Runs a command against the API (the running server's, or one built on the data dir). */
async function withApi<T>(config: Config, work: (api: Api) => Promise<T>): Promise<T> {
  const api = await openApi(config);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive integer, got "${raw}"`);
  return n;
}

function demoOptions(values: { events?: string; days?: string; seed?: string }) {
  return {
    events: positiveInt('events', values.events, 1_000_000),
    days: positiveInt('days', values.days, 90),
    seed: positiveInt('seed', values.seed, 1),
    now: Date.now(),
  };
}

async function start(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { demo: { type: 'boolean', default: false }, events: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' } },
  });
  const options = demoOptions(values);
  await startServer(config, {
    onListening: async (app) => {
      if (!values.demo) return;
      const [[count]] = (await app.eventStore.query('SELECT count(*) FROM events', [])) as [[number]];
      if (count > 0) {
        app.log.info('store already holds events: demo data not loaded');
        return;
      }
      const result = await loadDemoInto(app, options, (line) => app.log.info(line.trim()));
      app.log.info({ accepted: result.accepted, seconds: result.seconds }, 'demo data loaded');
    },
  });
}

async function demo(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { events: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' } },
  });
  const result = await loadDemo(config, demoOptions(values), out);
  out(
    `Loaded ${result.accepted} events (${result.duplicates} already present) in ${result.seconds.toFixed(1)} s ` +
      `(${Math.round((result.accepted + result.duplicates) / result.seconds)} events/s, via ${result.via === 'server' ? 'the running server' : 'the data dir'}).`,
  );
}

async function query(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const file = positionals[0] ?? '-';
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError(`${file === '-' ? 'stdin' : file} is not valid JSON`);
  }
  const { status, body: answer } = await withApi(config, (api) => api.request('POST', '/v1/query', body));
  if (status !== 200) {
    err(JSON.stringify(answer, null, 2));
    return 1;
  }
  const result = answer as { columns: { name: string; type: string }[]; rows: unknown[][] };
  out(values.json ? JSON.stringify(result) : renderTable(result.columns, result.rows));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return command === undefined ? 1 : 0;
  }
  try {
    loadDotEnv();
    const config = loadConfig();
    switch (command) {
      case 'start':
        await start(config, args);
        return -1; // keeps running
      case 'demo':
        await demo(config, args);
        return 0;
      case 'query':
        return await query(config, args);
      case 'user':
        await withApi(config, (api) => userCommand(api, args, out));
        return 0;
      case 'key':
        await withApi(config, (api) => keyCommand(api, args, out));
        return 0;
      case 'audit':
        return await withApi(config, (api) => auditCommand(api, args, out));
      case 'backup':
        return await backupCommand(config, args, out, err);
      case 'restore':
        return await restoreCommand(config, args, out, err);
      case 'migrate':
        return await migrateCommand(config, args, out);
      default:
        err(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof ConfigError) err(`Configuration error: ${error.message}`);
    else if (error instanceof UsageError) err(error.message);
    else if (error instanceof ApiError) err(error.message);
    else if (isLockError(error)) {
      err('The data directory is in use by another Sightline process that does not answer on the configured address.');
    } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      err(`The address is already in use: ${error.message}. Set SIGHTLINE_PORT to another port.`);
    } else {
      err(`sightline ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  }
}
