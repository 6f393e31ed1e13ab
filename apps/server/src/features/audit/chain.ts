import { createHash } from 'node:crypto';
import { GENESIS_HASH, type StoredAuditEntry } from '../../store/types.js';

/** The `prev_hash` of the first entry (the stores need it too, so it is theirs). */
export { GENESIS_HASH };

/** JSON with object keys sorted at every level, so that the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * An entry's hash covers the hash before it and every field of its own, seq included: editing a
 * field breaks the entry's own hash, deleting or reordering entries breaks the link of the next one.
 */
export function entryHash(entry: Omit<StoredAuditEntry, 'hash'>): string {
  const { prevHash, seq, at, actor, action, target, outcome, requestId, ip, details } = entry;
  const body = canonicalJson([seq, at, actor, action, target, outcome, requestId, ip, details]);
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

export interface ChainBreak {
  /** The seq of the first entry whose check failed (or the seq that should have come next). */
  seq: number;
  reason: string;
}

/**
 * Checks entries given in seq order, continuing from `state` (the seq and hash of the entry
 * before). Returns the first break, or the state to continue from.
 */
export function checkLinks(
  entries: readonly StoredAuditEntry[],
  state: { seq: number; hash: string },
): { break: ChainBreak } | { seq: number; hash: string } {
  let { seq, hash } = state;
  for (const entry of entries) {
    if (entry.seq !== seq + 1) {
      return { break: { seq: seq + 1, reason: `entry ${seq + 1} is missing (deleted?): the next entry is ${entry.seq}` } };
    }
    if (entry.prevHash !== hash) {
      return { break: { seq: entry.seq, reason: `entry ${entry.seq} does not link to entry ${seq} (an entry before it was deleted, reordered or rewritten)` } };
    }
    if (entryHash(entry) !== entry.hash) {
      return { break: { seq: entry.seq, reason: `entry ${entry.seq} was edited: its content does not match its hash` } };
    }
    seq = entry.seq;
    hash = entry.hash;
  }
  return { seq, hash };
}
