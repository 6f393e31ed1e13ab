import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { dataDirSecret } from '../auth/signing-secret.js';

/** The data-dir file of the generated key, in the embedded tier when SIGHTLINE_SECRET_KEY is not set. */
export const SECRET_KEY_FILE = 'secret-key';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `v1.<key id>.<iv>.<tag>.<ciphertext>`, the last three base64url (the ciphertext may be empty). */
const FORMAT = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/** Why a ciphertext could not be opened. Never carries the plaintext or a key. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** The key id written into every ciphertext: the first 8 hex digits of SHA-256 of the key. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Authenticated encryption of small secrets (webhook secrets, connector credentials) with
 * AES-256-GCM. Each ciphertext names the key that sealed it, so that after a rotation the old
 * ciphertexts still open with a previous key until they are re-encrypted under the current one.
 *
 * `context` is bound as additional authenticated data (e.g. `source:shop:webhook_secret`): a
 * ciphertext copied into another row does not open there, even under the right key.
 */
export class SecretBox {
  readonly currentKeyId: string;
  private readonly current: Buffer;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.current = current;
    this.currentKeyId = keyId(current);
    // The current key wins a (practically impossible) id clash with a previous one.
    for (const key of [...previous].reverse()) this.keys.set(keyId(key), key);
    this.keys.set(this.currentKeyId, current);
  }

  /**
   * A 32-byte subkey per known key (HKDF-SHA256 with `info`), the current key's first: other uses
   * of the secret key (the PII hash) get their own key, and the raw keys never leave this box.
   */
  deriveKeys(info: string): Buffer[] {
    const keys = [this.current, ...[...this.keys.values()].filter((k) => k !== this.current)];
    return keys.map((key) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, KEY_BYTES)));
  }

  encrypt(plaintext: string, context = ''): string {
    // A fresh random 96-bit IV per message: GCM's security rests on never repeating one under a key.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.currentKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.currentKeyId, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  /** Opens a ciphertext of this box; throws SecretBoxError rather than ever returning garbage. */
  decrypt(sealed: string, context = ''): string {
    const match = FORMAT.exec(sealed);
    if (!match) throw new SecretBoxError('malformed', 'not a sealed secret (expected v1.<key id>.<iv>.<tag>.<ciphertext>)');
    const [, kid, iv, tag, ciphertext] = match as unknown as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) {
      throw new SecretBoxError(
        'unknown_key',
        `the secret was encrypted with key ${kid}, which is neither SIGHTLINE_SECRET_KEY nor among SIGHTLINE_SECRET_KEYS_PREVIOUS`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid, context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM's tag check failed: the ciphertext, IV, tag or context was changed (or the key is not the one named).
      throw new SecretBoxError('tampered', `the secret sealed with key ${kid} failed its integrity check (altered, or moved from another record)`);
    }
  }

  /** True when the ciphertext was sealed under an older key. */
  isStale(sealed: string): boolean {
    return FORMAT.exec(sealed)?.[1] !== this.currentKeyId;
  }

  /** The same secret sealed under the current key (a fresh IV even when the key did not change). */
  reencrypt(sealed: string, context = ''): string {
    return this.encrypt(this.decrypt(sealed, context), context);
  }
}

/** The version and key id are authenticated too, so that neither can be swapped. */
function aad(kid: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${context}`, 'utf8');
}

/**
 * The keys of this installation: SIGHTLINE_SECRET_KEY and SIGHTLINE_SECRET_KEYS_PREVIOUS, or, in the
 * embedded tier without them, a key generated once into the data dir. When a key is configured and
 * a generated one is still in the data dir, the generated one is kept as a previous key, so that
 * what it sealed stays readable until it is re-encrypted.
 */
export function secretBoxOf(config: Pick<Config, 'secretKey' | 'previousSecretKeys' | 'dataDir'>): SecretBox {
  if (config.secretKey === undefined) {
    return new SecretBox(dataDirSecret(config.dataDir, SECRET_KEY_FILE, KEY_BYTES), config.previousSecretKeys);
  }
  const generated = existsSync(path.join(config.dataDir, SECRET_KEY_FILE)) ? [dataDirSecret(config.dataDir, SECRET_KEY_FILE, KEY_BYTES)] : [];
  return new SecretBox(config.secretKey, [...config.previousSecretKeys, ...generated]);
}
