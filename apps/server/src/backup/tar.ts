import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * A minimal POSIX ustar writer and reader: regular files only, names under 100 bytes. No tar
 * library is installed, and a backup needs only this much; the result opens with any `tar`.
 *
 * The writer writes to a file it can seek in: an entry of unknown size (a table streaming through
 * gzip) gets a placeholder header that is patched once its size is known, so nothing is buffered
 * in memory or in a temp file.
 */

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK);
/** The largest size the 11 octal digits of the size field hold; larger sizes use GNU base-256. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

/** The archive is cut short, or its bytes are not a tar archive (the message says where). */
export class TarFormatError extends Error {
  constructor(
    readonly reason: 'truncated' | 'not_tar',
    message: string,
  ) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: "${value}"`);
  bytes.copy(header, offset);
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  // length − 1 digits, then NUL.
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function writeSize(header: Buffer, size: number): void {
  if (size <= MAX_OCTAL_SIZE) return writeOctal(header, 124, 12, size);
  // GNU base-256: the high bit of the first byte set, the value big-endian in the remaining bytes.
  header.fill(0, 124, 136);
  header[124] = 0x80;
  let rest = BigInt(size);
  for (let i = 135; i > 124; i--) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

export function tarHeader(name: string, size: number, mtimeMs: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeSize(header, size);
  writeOctal(header, 136, 12, Math.floor(mtimeMs / 1000));
  header[156] = 0x30; // '0': a regular file
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  writeString(header, 148, 8, `${checksum(header).toString(8).padStart(6, '0')}\0 `);
  return header;
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** Appends entries to a tar file opened for writing (positional writes, so headers can be patched). */
export class TarWriter {
  private position = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly mtimeMs = Date.now(),
  ) {}

  private async writeAt(data: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) done += (await this.file.write(data, done, data.length - done, position + done)).bytesWritten;
  }

  private async append(data: Buffer): Promise<void> {
    await this.writeAt(data, this.position);
    this.position += data.length;
  }

  /** Adds an entry of known content; returns where its data starts (for `overwrite`). */
  async add(name: string, data: Buffer): Promise<number> {
    await this.append(tarHeader(name, data.length, this.mtimeMs));
    const start = this.position;
    await this.append(data);
    await this.append(ZEROS.subarray(0, padding(data.length)));
    return start;
  }

  /** Replaces bytes written by `add` with as many new ones (a reserved, fixed-size entry). */
  async overwrite(start: number, data: Buffer): Promise<void> {
    await this.writeAt(data, start);
  }

  /**
   * A stream for an entry whose size is not known in advance. Its header is written when the
   * stream finishes; `size()` then tells how many bytes it held. One entry at a time.
   */
  entry(name: string): { stream: Writable; size: () => number } {
    const headerAt = this.position;
    this.position += BLOCK;
    let size = 0;
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.append(chunk).then(() => {
          size += chunk.length;
          callback();
        }, callback);
      },
      final: (callback) => {
        this.writeAt(tarHeader(name, size, this.mtimeMs), headerAt)
          .then(() => this.append(ZEROS.subarray(0, padding(size))))
          .then(() => callback(), callback);
      },
    });
    return { stream, size: () => size };
  }

  /** Writes the end-of-archive marker (two zero blocks). */
  async finish(): Promise<void> {
    await this.append(ZEROS);
    await this.append(ZEROS);
  }
}

export interface TarEntry {
  name: string;
  size: number;
}

function parseOctal(field: Buffer): number {
  if ((field[0]! & 0x80) !== 0) {
    let value = 0n;
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    return Number(value);
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(text)) return Number.NaN;
  return text === '' ? 0 : parseInt(text, 8);
}

/** Reads a tar archive from a stream of chunks, one entry at a time, never holding more than a chunk. */
export class TarReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Offset in the archive of the first byte of `pending`. */
  private offset = 0;
  /** Data bytes of the current entry not read yet, and the padding after them. */
  private remaining = 0;
  private pad = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  private async read(max: number): Promise<Buffer | undefined> {
    while (this.pending.length === 0) {
      if (this.ended) return undefined;
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else this.pending = next.value;
    }
    const out = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(out.length);
    this.offset += out.length;
    return out;
  }

  private async readExactly(n: number, what: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.read(n - got);
      if (!part) throw new TarFormatError('truncated', `the file ends inside ${what} (after ${this.offset} bytes)`);
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The next entry's header, or undefined at the end-of-archive marker. */
  async next(): Promise<TarEntry | undefined> {
    await this.skipRest();
    const at = this.offset;
    const header = await this.readExactly(BLOCK, 'a tar header');
    if (header.equals(ZEROS)) return undefined;
    const stored = parseOctal(header.subarray(148, 156));
    const magic = header.toString('latin1', 257, 262);
    if (magic !== 'ustar' || stored !== checksum(header)) {
      throw new TarFormatError('not_tar', `no valid tar header at byte ${at}`);
    }
    const size = parseOctal(header.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError('not_tar', `a tar header with an invalid size at byte ${at}`);
    const nameEnd = header.indexOf(0);
    const name = header.toString('utf8', 0, nameEnd < 0 || nameEnd > 100 ? 100 : nameEnd);
    this.remaining = size;
    this.pad = padding(size);
    return { name, size };
  }

  /** The current entry's data, chunk by chunk; throws TarFormatError('truncated') when cut short. */
  async *data(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const part = await this.read(this.remaining);
      if (!part) throw new TarFormatError('truncated', `the file ends ${this.remaining} bytes before the end of an entry`);
      this.remaining -= part.length;
      yield part;
    }
  }

  /** Passes what is left of the current entry's data to `each` (after a consumer stopped early). */
  async drain(each: (chunk: Buffer) => void): Promise<void> {
    for await (const chunk of this.data()) each(chunk);
  }

  /** Stops reading (closes the underlying stream, e.g. the file) when the archive is refused early. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }

  /** Data bytes of the current entry not read yet. */
  get unread(): number {
    return this.remaining;
  }

  private async skipRest(): Promise<void> {
    await this.drain(() => undefined);
    if (this.pad > 0) await this.readExactly(this.pad, 'the padding of an entry');
    this.pad = 0;
  }
}
