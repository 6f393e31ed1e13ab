import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// The shapes of the opaque secrets Sightline hands out. Both carry a public id (to find the row) and
// a secret part that is stored only as a SHA-256 hash: they are 192–256 random bits, so a slow hash
// would protect nothing and cost every request.

const API_KEY = /^sl_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/;
const REFRESH_TOKEN = /^rt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function newApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const key = `sl_${id}_${randomBytes(24).toString('base64url')}`;
  return { id, key, hash: sha256Hex(key) };
}

/** The id part of something shaped like an API key, or undefined. */
export function apiKeyId(text: string): string | undefined {
  return API_KEY.exec(text)?.[1];
}

export const apiKeyPrefix = (id: string) => `sl_${id}_`;

export function newRefreshToken(): { id: string; token: string; secretHash: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `rt_${id}_${secret}`, secretHash: sha256Hex(secret) };
}

export function parseRefreshToken(token: string): { id: string; secretHash: string } | undefined {
  const match = REFRESH_TOKEN.exec(token);
  return match ? { id: match[1]!, secretHash: sha256Hex(match[2]!) } : undefined;
}
