import { readFileSync } from 'node:fs';
import { PORTABLE_TABLES } from '../store/portable.js';

/** What `format` says in every Sightline backup's manifest. */
export const BACKUP_FORMAT = 'sightline-backup';
/** The format this Sightline writes, and the newest it reads. Bump on an incompatible change. */
export const FORMAT_VERSION = 1;
/** The first entry of the archive. */
export const MANIFEST_FILE = 'manifest.json';
/**
 * The manifest is written first but known last (it holds the tables' checksums): it is reserved
 * at this fixed size and filled in at the end, padded with trailing spaces (still valid JSON).
 */
export const MANIFEST_BYTES = 16 * 1024;

export interface ManifestTable {
  name: string;
  /** Its entry in the archive: gzip'd NDJSON, one PortableRow per line. */
  file: string;
  rows: number;
  /** Size of the entry (the compressed bytes). */
  bytes: number;
  /** SHA-256 of the entry's bytes, hex. */
  sha256: string;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  sightlineVersion: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** The tier the backup was taken from: `duckdb` (embedded) or `postgres`. */
  sourceTier: string;
  /**
   * Id of the secret key that sealed the webhook secrets and keys the PII pseudonyms (the first 8
   * hex digits of its SHA-256, as in every sealed secret; not the key). A restore under another
   * key warns.
   */
  secretKeyId: string;
  tables: ManifestTable[];
}

/** A backup this Sightline refuses: `message` is one line saying what is wrong. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export const tableFile = (table: string) => `tables/${table}.ndjson.gz`;

/** The version in apps/server/package.json (two levels up from both src/backup and dist/backup). */
export function sightlineVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Checks the manifest's text: a Sightline backup, of a format this version reads, listing known
 * tables in load order, each with sane counts and a checksum. Throws BackupError naming the problem.
 */
export function parseManifest(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupError(`${file}: the manifest is corrupt (not valid JSON)`);
  }
  if (!isObject(value) || value.format !== BACKUP_FORMAT) throw new BackupError(`${file} is not a Sightline backup (its manifest.json does not say format "${BACKUP_FORMAT}")`);
  const version = value.formatVersion;
  if (!isCount(version) || version < 1) throw new BackupError(`${file}: the manifest is corrupt (formatVersion ${JSON.stringify(version)})`);
  if (version > FORMAT_VERSION) {
    throw new BackupError(
      `${file} has backup format ${version}, newer than this Sightline reads (${FORMAT_VERSION}): restore it with Sightline ${String(value.sightlineVersion)} or later`,
    );
  }
  if (!Array.isArray(value.tables)) throw new BackupError(`${file}: the manifest is corrupt (no table list)`);
  const known = PORTABLE_TABLES.map((t) => t.name);
  let lastIndex = -1;
  const tables: ManifestTable[] = value.tables.map((entry: unknown) => {
    if (!isObject(entry) || typeof entry.name !== 'string') throw new BackupError(`${file}: the manifest is corrupt (a table without a name)`);
    const name = entry.name;
    const index = known.indexOf(name);
    if (index < 0) throw new BackupError(`${file}: table ${name} is unknown to this Sightline (a backup of a newer version?)`);
    if (index <= lastIndex) throw new BackupError(`${file}: the manifest is corrupt (table ${name} listed twice or out of order)`);
    lastIndex = index;
    if (entry.file !== tableFile(name) || !isCount(entry.rows) || !isCount(entry.bytes) || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new BackupError(`${file}: the manifest is corrupt (the entry of table ${name})`);
    }
    return { name, file: entry.file, rows: entry.rows, bytes: entry.bytes, sha256: entry.sha256 };
  });
  return {
    format: BACKUP_FORMAT,
    formatVersion: version,
    sightlineVersion: String(value.sightlineVersion),
    createdAt: String(value.createdAt),
    sourceTier: String(value.sourceTier),
    secretKeyId: String(value.secretKeyId),
    tables,
  };
}

/** The manifest as JSON padded to MANIFEST_BYTES. */
export function manifestBytes(manifest: Manifest): Buffer {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MANIFEST_BYTES) throw new Error(`the manifest needs ${bytes.length} bytes, more than the ${MANIFEST_BYTES} reserved`);
  return Buffer.concat([bytes, Buffer.alloc(MANIFEST_BYTES - bytes.length, 0x20)]);
}
