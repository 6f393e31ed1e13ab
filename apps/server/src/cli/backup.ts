import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BackupError, type ManifestTable } from '../backup/manifest.js';
import { restoreBackup, verifyBackup } from '../backup/read-backup.js';
import { writeBackup } from '../backup/write-backup.js';
import type { Config } from '../config.js';
import { secretBoxOf } from '../features/security/secret-box.js';
import { isLockError } from '../store/duckdb/index.js';
import { openStores, type Stores } from '../store/open.js';
import { UsageError } from './accounts.js';

type Print = (line: string) => void;

function fileArgument(command: string, args: string[]): { file: string; force: boolean } {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new UsageError(`Usage: sightline ${command} FILE${command === 'restore' ? ' [--force]' : ''}`);
  return { file: positionals[0]!, force: values.force };
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const tableLine = (verb: string, t: ManifestTable) => `  ${verb} ${t.name.padEnd(15)}${String(t.rows).padStart(12)} rows ${megabytes(t.bytes).padStart(10)}`;

/**
 * Opens the configured tier's stores directly (no server is needed) and runs `work` on them. When
 * a running server holds the embedded tier's file (DuckDB lets one process open it), says so in
 * one line and returns 1.
 */
async function withStores(config: Config, err: Print, work: (stores: Stores) => Promise<number>): Promise<number> {
  let stores: Stores;
  try {
    stores = await openStores(config);
  } catch (error) {
    if (!isLockError(error)) throw error;
    err('The data directory is in use by another Sightline process (a running server?): stop it first; backup and restore open the store directly.');
    return 1;
  }
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

/** `sightline backup FILE`: every table of the configured tier into one portable file. */
export async function backupCommand(config: Config, args: string[], out: Print, err: Print): Promise<number> {
  const { file } = fileArgument('backup', args);
  if (existsSync(file)) {
    err(`${file} already exists: choose another name (a backup never overwrites a file).`);
    return 1;
  }
  if (!existsSync(path.dirname(path.resolve(file)))) {
    err(`The directory of ${file} does not exist.`);
    return 1;
  }
  const started = Date.now();
  return withStores(config, err, async (stores) => {
    if (stores.created) {
      err(`Nothing to back up: ${stores.events.dialectName === 'duckdb' ? `the data dir ${config.dataDir}` : 'the database'} held no Sightline data.`);
      return 1;
    }
    const source = { tier: stores.events.dialectName, secretKeyId: secretBoxOf(config).currentKeyId };
    const manifest = await writeBackup(stores.portable, file, source, (table) => out(tableLine('backed up', table)));
    const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    const bytes = manifest.tables.reduce((sum, t) => sum + t.bytes, 0);
    out(`Backup of the ${source.tier} tier written to ${file}: ${rows} rows, ${megabytes(bytes)}, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  });
}

/**
 * `sightline restore FILE [--force]`: checks the whole file first (manifest, every checksum and row
 * count), then replaces everything in one all-or-nothing restore that checks the file again as it
 * loads. A target holding data is refused without --force.
 */
export async function restoreCommand(config: Config, args: string[], out: Print, err: Print): Promise<number> {
  const { file, force } = fileArgument('restore', args);
  const started = Date.now();
  try {
    const manifest = await verifyBackup(file);
    out(`${file}: a backup of the ${manifest.sourceTier} tier taken ${manifest.createdAt} by Sightline ${manifest.sightlineVersion}; every checksum verified.`);
    return await withStores(config, err, async (stores) => {
      if (!force && !(await stores.portable.isEmpty())) {
        err('The target already holds data: restore replaces everything in it only with --force.');
        return 1;
      }
      await restoreBackup(stores.portable, file, (table) => out(tableLine('restored', table)));
      const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      out(`Restored ${rows} rows into the ${stores.events.dialectName} tier in ${((Date.now() - started) / 1000).toFixed(1)} s (rollups rebuilt).`);
      const keyId = secretBoxOf(config).currentKeyId;
      if (manifest.secretKeyId !== keyId) {
        err(
          `Warning: the backup was taken under secret key ${manifest.secretKeyId}, this Sightline uses ${keyId}: webhook secrets open ` +
            `only if that key is SIGHTLINE_SECRET_KEY or among SIGHTLINE_SECRET_KEYS_PREVIOUS, and pseudonymised actors match only under it (see docs/backup.md).`,
        );
      }
      return 0;
    });
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    err(`Restore refused: ${error.message}. Nothing was changed.`);
    return 1;
  }
}
