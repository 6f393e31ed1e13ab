import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE, SecretBox, SecretBoxError, keyId, secretBoxOf } from '../src/features/security/secret-box.js';
import { makeDataDir, startTestApp, type TestApp } from './support/harness.js';

const A = randomBytes(32);
const B = randomBytes(32);
const C = randomBytes(32);

function reasonOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof SecretBoxError) return error.reason;
    throw error;
  }
  return undefined;
}

/** The sealed text with one base64url character of part `index` (1 = key id … 4 = ciphertext) changed. */
function alter(sealed: string, index: number, at = 0): string {
  const parts = sealed.split('.');
  const part = parts[index]!;
  const alphabet = index === 1 ? '0123456789abcdef' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const swapped = alphabet[(alphabet.indexOf(part[at]!) + 1) % alphabet.length]!;
  parts[index] = part.slice(0, at) + swapped + part.slice(at + 1);
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips any text, with a fresh IV each time, and names its key', () => {
    const box = new SecretBox(A);
    for (const secret of ['', 'x', 'whsec_0123456789abcdef', 'ünïcødé 🔑 секрет', 'a'.repeat(5000)]) {
      const sealed = box.encrypt(secret);
      expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(sealed.split('.')[1]).toBe(createHash('sha256').update(A).digest('hex').slice(0, 8));
      expect(box.decrypt(sealed)).toBe(secret);
      if (secret.length > 0) expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    }
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
    expect(box.currentKeyId).toBe(keyId(A));
  });

  it('refuses a changed IV, tag or ciphertext, a swapped key id, a wrong context and junk: never garbage', () => {
    const box = new SecretBox(A, [C]);
    const sealed = box.encrypt('the webhook secret', 'source:shop:webhook_secret');
    expect(box.decrypt(sealed, 'source:shop:webhook_secret')).toBe('the webhook secret');
    // Every character of the IV, tag and ciphertext, changed one at a time.
    for (const index of [2, 3, 4]) {
      const length = sealed.split('.')[index]!.length;
      for (let at = 0; at < length; at++) {
        const changed = alter(sealed, index, at);
        // The last base64url character may carry unused bits: changing only those decodes to the same bytes.
        if (Buffer.from(changed.split('.')[index]!, 'base64url').equals(Buffer.from(sealed.split('.')[index]!, 'base64url'))) continue;
        expect(reasonOf(() => box.decrypt(changed, 'source:shop:webhook_secret'))).toBe('tampered');
      }
    }
    // Moved to another record, or relabelled as sealed by the other known key.
    expect(reasonOf(() => box.decrypt(sealed, 'source:tasks:webhook_secret'))).toBe('tampered');
    const relabelled = sealed.replace(`.${keyId(A)}.`, `.${keyId(C)}.`);
    expect(reasonOf(() => box.decrypt(relabelled, 'source:shop:webhook_secret'))).toBe('tampered');
    expect(reasonOf(() => box.decrypt(alter(sealed, 1), 'source:shop:webhook_secret'))).toBe('unknown_key');
    for (const junk of ['', 'hunter2', 'v2' + sealed.slice(2), sealed + '.x', sealed.replace('.', '..')]) {
      expect(reasonOf(() => box.decrypt(junk))).toBe('malformed');
    }
  });

  it('after a rotation, opens what the previous key sealed and re-encrypts it under the new one', () => {
    const sealedByA = new SecretBox(A).encrypt('rotate me', 'ctx');
    const rotated = new SecretBox(B, [A]);
    expect(rotated.isStale(sealedByA)).toBe(true);
    expect(rotated.decrypt(sealedByA, 'ctx')).toBe('rotate me');
    const sealedByB = rotated.reencrypt(sealedByA, 'ctx');
    expect(sealedByB.split('.')[1]).toBe(keyId(B));
    expect(rotated.isStale(sealedByB)).toBe(false);
    // Once everything is re-encrypted, the old key can go.
    const onlyB = new SecretBox(B);
    expect(onlyB.decrypt(sealedByB, 'ctx')).toBe('rotate me');
    const error = (() => {
      try {
        onlyB.decrypt(sealedByA, 'ctx');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SecretBoxError);
    expect(error!.message).toContain(keyId(A));
    expect(error!.message).toContain('SIGHTLINE_SECRET_KEYS_PREVIOUS');
  });

  it('derives per-purpose subkeys, the current key first, without handing out the keys', () => {
    const [current, previous] = new SecretBox(B, [A]).deriveKeys('purpose');
    expect(current).toHaveLength(32);
    expect(current!.equals(B)).toBe(false);
    expect(current!.equals(new SecretBox(B).deriveKeys('purpose')[0]!)).toBe(true);
    expect(previous!.equals(new SecretBox(A).deriveKeys('purpose')[0]!)).toBe(true);
    expect(current!.equals(new SecretBox(B).deriveKeys('other purpose')[0]!)).toBe(false);
  });

  it('in the embedded tier generates a key once into the data dir, owner-only, and keeps it readable after a key is configured', () => {
    const dataDir = makeDataDir();
    const generated = secretBoxOf({ dataDir, secretKey: undefined, previousSecretKeys: [] });
    const file = path.join(dataDir, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const sealed = generated.encrypt('kept');
    expect(secretBoxOf({ dataDir, secretKey: undefined, previousSecretKeys: [] }).decrypt(sealed)).toBe('kept');
    const configured = secretBoxOf({ dataDir, secretKey: B, previousSecretKeys: [] });
    expect(configured.currentKeyId).toBe(keyId(B));
    expect(configured.decrypt(sealed)).toBe('kept');
  });
});

describe('webhook secrets at rest', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** Every file DuckDB wrote (the database and any write-ahead log), as one buffer. */
  const databaseBytes = (dataDir: string) =>
    Buffer.concat(readdirSync(dataDir).filter((f) => f.startsWith('sightline.duckdb')).map((f) => readFileSync(path.join(dataDir, f))));
  const storedSecret = async (app: TestApp, name: string) =>
    ((await app.app.eventStore.query('SELECT webhook_secret FROM sources WHERE name = $1', [name])) as [[string | null]])[0]![0];

  it('are stored sealed, never shown, and re-encrypted under a new key at start', async () => {
    const dataDir = makeDataDir();
    const secret = `whsec_${randomBytes(24).toString('hex')}`;
    // A value stored in clear beside it, of the same kind: proves the file search can find such a string.
    const control = `ctl_${randomBytes(24).toString('hex')}`;
    t = await startTestApp({ dataDir, keep: true, config: { secretKey: A } });
    const created = await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'shop', description: control, webhook_secret: secret } });
    expect(created.statusCode).toBe(201);
    expect(created.json().has_webhook_secret).toBe(true);
    expect(created.body).not.toContain(secret);
    expect((await t.inject('/v1/sources/shop')).body).not.toContain(secret);
    expect((await t.inject('/v1/sources')).body).not.toContain(secret);
    expect((await t.inject('/v1/audit?action=source.')).body).not.toContain(secret);
    const sealedByA = await storedSecret(t, 'shop');
    expect(sealedByA!.split('.')[1]).toBe(keyId(A));
    expect(new SecretBox(A).decrypt(sealedByA!, 'source:shop:webhook_secret')).toBe(secret);
    await t.close();

    const bytes = databaseBytes(dataDir);
    expect(bytes.includes(control)).toBe(true);
    expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes(secret.slice(6))).toBe(false);

    // Rotation: B is now the key, A a previous one; the start re-encrypts under B.
    t = await startTestApp({ dataDir, keep: true, config: { secretKey: B, previousSecretKeys: [A] } });
    const sealedByB = await storedSecret(t, 'shop');
    expect(sealedByB!.split('.')[1]).toBe(keyId(B));
    expect(new SecretBox(B).decrypt(sealedByB!, 'source:shop:webhook_secret')).toBe(secret);
    // Changing the source otherwise keeps the secret; null removes it.
    await t.inject({ method: 'PATCH', url: '/v1/sources/shop', payload: { description: 'renamed' } });
    expect(await storedSecret(t, 'shop')).toBe(sealedByB);
    await t.close();

    // A is no longer needed.
    t = await startTestApp({ dataDir, config: { secretKey: B } });
    expect(new SecretBox(B).decrypt((await storedSecret(t, 'shop'))!, 'source:shop:webhook_secret')).toBe(secret);
    const removed = await t.inject({ method: 'PATCH', url: '/v1/sources/shop', payload: { webhook_secret: null } });
    expect(removed.json().has_webhook_secret).toBe(false);
    expect(await storedSecret(t, 'shop')).toBeNull();
  });

  it('a secret sealed under a key no longer configured is left as it is at start, not lost or overwritten', async () => {
    const dataDir = makeDataDir();
    t = await startTestApp({ dataDir, keep: true, config: { secretKey: A } });
    await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'shop', webhook_secret: 'a secret of sixteen+' } });
    const sealedByA = await storedSecret(t, 'shop');
    await t.close();
    t = await startTestApp({ dataDir, config: { secretKey: B } });
    expect(await storedSecret(t, 'shop')).toBe(sealedByA);
    expect(existsSync(path.join(dataDir, SECRET_KEY_FILE))).toBe(false);
  });
});
