import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';

/**
 * A secret kept in the data dir when the environment gives none (the embedded tier): generated on
 * first use with 48 random bytes, written with owner-only permissions, and read back afterwards.
 */
export function dataDirSecret(dataDir: string, file: string, bytes = 48): Buffer {
  const full = path.join(dataDir, file);
  if (existsSync(full)) return Buffer.from(readFileSync(full, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(bytes);
  // 'wx': two processes racing on a first start cannot both write; the loser reads the winner's.
  try {
    writeFileSync(full, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from(readFileSync(full, 'utf8').trim(), 'base64');
  }
  return secret;
}

export const JWT_SECRET_FILE = 'jwt-secret';

/** The access-token signing secret: SIGHTLINE_JWT_SECRET, or the one generated into the data dir. */
export function signingSecret(config: Config): Uint8Array {
  return config.jwtSecret === undefined ? dataDirSecret(config.dataDir, JWT_SECRET_FILE) : new TextEncoder().encode(config.jwtSecret);
}
