import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { PortableRow, PortableTables } from '../store/portable.js';
import { BackupError, MANIFEST_FILE, parseManifest, type Manifest, type ManifestTable } from './manifest.js';
import { TarFormatError, TarReader } from './tar.js';

/** Rows handed to the store per write: big enough to amortise a flush, small enough to stay flat. */
const ROWS_PER_WRITE = 10_000;
/** A manifest is a few KiB; anything much larger is not one of ours (and is not read into memory). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

type Consumer = (inflated: AsyncIterable<Buffer>) => Promise<void>;

/** Opens the archive and reads and checks its manifest; the reader is then at the first table. */
async function openArchive(file: string): Promise<{ reader: TarReader; manifest: Manifest }> {
  try {
    if (!(await stat(file)).isFile()) throw new BackupError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} cannot be read: ${(error as Error).message}`);
  }
  const reader = new TarReader(createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
  try {
    const first = await reader.next();
    if (!first || first.name !== MANIFEST_FILE || first.size > MAX_MANIFEST_BYTES) {
      throw new BackupError(`${file} is not a Sightline backup (it does not start with a ${MANIFEST_FILE})`);
    }
    const parts: Buffer[] = [];
    for await (const part of reader.data()) parts.push(part);
    return { reader, manifest: parseManifest(Buffer.concat(parts).toString('utf8'), file) };
  } catch (error) {
    await reader.close();
    if (error instanceof TarFormatError && error.reason === 'not_tar') throw new BackupError(`${file} is not a Sightline backup (not a tar archive)`);
    if (error instanceof TarFormatError) throw new BackupError(`${file} is not a Sightline backup, or is truncated: ${error.message}`);
    throw error;
  }
}

async function* hashed(chunks: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * Reads one table's entry through gunzip into `consume`, and checks it against the manifest: the
 * entry's size, its SHA-256 (over every byte, even when the data does not inflate), then that it
 * inflates, then its row count (`countRows`). Throws BackupError naming the table and the problem.
 */
async function readTable(reader: TarReader, table: ManifestTable, file: string, consume: Consumer, countRows: () => number): Promise<void> {
  let entry;
  try {
    entry = await reader.next();
  } catch (error) {
    if (error instanceof TarFormatError && error.reason === 'truncated') throw new BackupError(`${file} is truncated: it ends before table ${table.name}`);
    if (error instanceof TarFormatError) throw new BackupError(`${file} is corrupt: ${error.message} (before table ${table.name})`);
    throw error;
  }
  if (!entry) throw new BackupError(`${file} is incomplete: table ${table.name} is missing`);
  if (entry.name !== table.file) throw new BackupError(`${file} is corrupt: found ${entry.name} where table ${table.name} (${table.file}) should be`);
  if (entry.size !== table.bytes) throw new BackupError(`${file}: table ${table.name}: its entry holds ${entry.size} bytes, the manifest says ${table.bytes} (the file is corrupt)`);

  const hash = createHash('sha256');
  // A problem of the data (it does not inflate, a row does not parse) is reported only after the
  // checksum: a corrupted byte should read as such. A failure of the store is thrown at once.
  let dataError: unknown;
  try {
    await pipeline(Readable.from(hashed(reader.data(), hash)), createGunzip(), consume);
  } catch (error) {
    if (!(error instanceof TarFormatError || error instanceof BackupError || isInflateError(error))) throw error;
    if (!(error instanceof TarFormatError)) dataError = error;
  }
  try {
    // After a gunzip error, hash the rest, so that a corrupted byte is reported as such.
    await reader.drain((chunk) => hash.update(chunk));
  } catch (error) {
    if (error instanceof TarFormatError) throw new BackupError(`${file} is truncated: table ${table.name} ends after ${table.bytes - reader.unread} of ${table.bytes} bytes`);
    throw error;
  }
  if (hash.digest('hex') !== table.sha256) throw new BackupError(`${file}: table ${table.name}: checksum mismatch (the file is corrupt or was altered)`);
  if (dataError instanceof BackupError) throw dataError;
  if (dataError !== undefined) {
    const message = dataError instanceof Error ? dataError.message : String(dataError);
    throw new BackupError(`${file}: table ${table.name}: its data does not decompress (${message})`);
  }
  const rows = countRows();
  if (rows !== table.rows) throw new BackupError(`${file}: table ${table.name}: holds ${rows} rows, the manifest says ${table.rows}`);
}

/** zlib's errors carry a Z_* code; they mean the gzip data is corrupt, not that the store failed. */
function isInflateError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('Z_');
}

async function expectEnd(reader: TarReader, file: string): Promise<void> {
  try {
    const extra = await reader.next();
    if (extra) throw new BackupError(`${file} is corrupt: an unexpected entry ${extra.name} after the last table`);
  } catch (error) {
    if (error instanceof TarFormatError) throw new BackupError(`${file} is truncated: the end-of-archive marker is missing`);
    throw error;
  }
}

const NEWLINE = 0x0a;

/**
 * Reads the whole file once without changing anything: the manifest, then every table's size,
 * checksum, compression and row count. Returns the manifest; throws BackupError otherwise.
 */
export async function verifyBackup(file: string, onTable: (table: ManifestTable) => void = () => undefined): Promise<Manifest> {
  const { reader, manifest } = await openArchive(file);
  try {
    for (const table of manifest.tables) {
      let lines = 0;
      const count: Consumer = async (inflated) => {
        for await (const chunk of inflated) {
          for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
        }
      };
      await readTable(reader, table, file, count, () => lines);
      onTable(table);
    }
    await expectEnd(reader, file);
    return manifest;
  } finally {
    await reader.close();
  }
}

/**
 * Replaces the content of the stores with the backup, in the store's all-or-nothing restore. The
 * file is checked again as it loads (it may have changed since `verifyBackup`): any mismatch throws
 * inside the restore, which then leaves the database as it was.
 */
export async function restoreBackup(portable: PortableTables, file: string, onTable: (table: ManifestTable) => void = () => undefined): Promise<Manifest> {
  const { reader, manifest } = await openArchive(file);
  try {
    await restoreTables(portable, reader, manifest, file, onTable);
  } finally {
    await reader.close();
  }
  return manifest;
}

async function restoreTables(portable: PortableTables, reader: TarReader, manifest: Manifest, file: string, onTable: (table: ManifestTable) => void): Promise<void> {
  await portable.restore(async (write) => {
    for (const table of manifest.tables) {
      let rows = 0;
      const load: Consumer = async (inflated) => {
        let rest: Buffer = Buffer.alloc(0);
        let batch: PortableRow[] = [];
        for await (const chunk of inflated) {
          const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
          let start = 0;
          for (let at = data.indexOf(NEWLINE); at >= 0; at = data.indexOf(NEWLINE, start)) {
            batch.push(parseRow(data.toString('utf8', start, at), file, table.name, rows + batch.length + 1));
            start = at + 1;
            if (batch.length >= ROWS_PER_WRITE) {
              rows += batch.length;
              await write(table.name, batch);
              batch = [];
            }
          }
          rest = data.subarray(start);
        }
        if (rest.length > 0) throw new BackupError(`${file}: table ${table.name}: the last row is cut short`);
        if (batch.length > 0) {
          rows += batch.length;
          await write(table.name, batch);
        }
      };
      await readTable(reader, table, file, load, () => rows);
      onTable(table);
    }
    await expectEnd(reader, file);
  });
}

function parseRow(line: string, file: string, table: string, n: number): PortableRow {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    throw new BackupError(`${file}: table ${table}: row ${n} is not valid JSON`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new BackupError(`${file}: table ${table}: row ${n} is not an object`);
  return row as PortableRow;
}
