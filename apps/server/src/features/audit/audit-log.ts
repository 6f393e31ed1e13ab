import type { AuditOutcome } from '@sightline/protocol';
import type { AuditFilter, AuditStore, StoredAuditEntry } from '../../store/types.js';
import { GENESIS_HASH, checkLinks, entryHash, type ChainBreak } from './chain.js';

export interface AuditRecord {
  actor: string;
  /** `<area>.<verb>`: `auth.login`, `user.create`, `key.revoke`, `privacy.erase`, … */
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  requestId?: string | null;
  ip?: string | null;
  /** Never a secret, a password, a token or a property value. */
  details?: Record<string, unknown> | null;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries checked before the first break (all of them when ok). */
  checked: number;
  first_broken?: ChainBreak;
}

const VERIFY_PAGE = 10_000;

/**
 * The append-only, hash-chained audit trail. Appends are serialised in this process, and the store
 * links each entry to the stored head in one step (`appendNext`), so that instances sharing one
 * database extend a single chain.
 */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly clock: () => number = Date.now,
  ) {}

  record(record: AuditRecord): Promise<void> {
    const next = this.tail.then(() => this.append(record));
    this.tail = next.catch(() => undefined);
    return next;
  }

  list(filter: AuditFilter, limit: number): Promise<StoredAuditEntry[]> {
    return this.store.list(filter, limit);
  }

  /** Walks the whole chain and names the first broken link. */
  async verify(): Promise<VerifyResult> {
    let state = { seq: 0, hash: GENESIS_HASH };
    for (;;) {
      const page = await this.store.scan(state.seq, VERIFY_PAGE);
      if (page.length === 0) return { ok: true, checked: state.seq };
      const result = checkLinks(page, state);
      if ('break' in result) return { ok: false, checked: result.break.seq - 1, first_broken: result.break };
      state = result;
    }
  }

  private async append(record: AuditRecord): Promise<void> {
    const at = this.clock();
    await this.store.appendNext((head) => {
      const unhashed = {
        seq: head.seq + 1,
        at,
        actor: record.actor,
        action: record.action,
        target: record.target ?? null,
        outcome: record.outcome,
        requestId: record.requestId ?? null,
        ip: record.ip ?? null,
        details: record.details ?? null,
        prevHash: head.hash,
      };
      return { ...unhashed, hash: entryHash(unhashed) };
    });
  }
}
