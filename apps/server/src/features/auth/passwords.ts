import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@sightline/protocol';

// argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's recommended minimum),
// about 60 ms per hash on this 2-core machine.
// The library's Algorithm enum is an ambient const enum (not importable as a value): 2 is Argon2id.
const OPTIONS = { algorithm: 2 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never lets anyone in
  }
}

/**
 * A hash of a random password, verified against when the account does not exist, so that a login
 * for an unknown e-mail takes as long as one with a wrong password (no account enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(randomBytes(16).toString('hex')));
}

/** A one-time password for a first admin: 24 characters from an alphabet without look-alikes. */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(24);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Passwords too common to accept whatever their length (the top of public breach lists, ≥ 12 chars). */
const COMMON = new Set([
  'password1234', 'password12345', 'password123456', '123456789012', '1234567890123', 'qwertyuiop12', 'qwertyuiop123',
  'qwerty123456', '1q2w3e4r5t6y', '1qaz2wsx3edc', 'iloveyou1234', 'administrator', 'admin1234567', 'adminadmin12',
  'letmein12345', 'welcome12345', 'changeme1234', 'passw0rd1234', 'p@ssw0rd1234', 'p@ssword1234', 'football1234',
  'baseball1234', 'monkey123456', 'dragon123456', 'sunshine1234', 'princess1234', 'trustno11234', 'aaaaaaaaaaaa',
  'abc123456789', 'abcdefghijkl', 'abcd12345678', 'superman1234', 'michael12345', 'shadow123456', 'master123456',
  'qazwsxedcrfv', 'zaq12wsxcde3', 'asdfghjkl123', 'passwordpassword', 'correcthorsebatterystaple', 'sightline123',
  'sightline1234', 'analytics123', 'analytics1234', '000000000000', '111111111111', '123123123123', '121212121212',
]);

/** The reasons a new password is refused, empty when it is acceptable. */
export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split('@')[0] ?? '';
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) problems.push('must not be or contain the e-mail address');
  if (COMMON.has(lower) || new Set(lower).size <= 3) problems.push('is too common or too simple');
  return problems;
}
