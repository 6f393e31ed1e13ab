import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { MemoryBus, type Bus } from '../../platform/bus.js';
import type { ResolvedEvent, StoredBatch } from '../../store/types.js';
import { LiveInterest } from './interest.js';
import { SeqGaps } from './seq-gaps.js';

/** Bus channels of the live channel. */
const CHANNEL = { batch: 'live:batch', removed: 'live:removed', publish: 'live:publish' } as const;

/**
 * A stored batch as the bus carries it: with its events, or (to instances without live listeners)
 * only its sequence numbers, which keep their live bound current.
 */
interface BatchMessage {
  events?: readonly ResolvedEvent[];
  /** How many events the batch had (its seqs are lastSeq − count + 1 … lastSeq). */
  count: number;
  stored: StoredBatch;
}

/**
 * How long a hole in the sequence numbers seen may stay open before live queries are recomputed
 * from the database: batches of other instances may arrive late, but one lost in an outage never will.
 */
const GAP_WAIT_MS = 2000;

/** What the feed hands to the hub. */
export interface FeedHandlers {
  /** A batch stored by any instance, with its events. */
  batch(events: readonly ResolvedEvent[], stored: StoredBatch): void;
  /** Events were deleted somewhere. */
  removed(): void;
  /** `alerts` or `jobs:<id>` data published by any instance. */
  topic(topic: string, data: unknown): void;
  /** Messages from other instances may have been missed: recompute the live queries. */
  resync(why: string): void;
  /** Whether this instance has live listeners (tails or live queries). */
  listening(): boolean;
}

/**
 * The live channel's link to every instance: what is stored, deleted or published here goes
 * out on the bus, and what any instance sends comes back to the hub in one order per instance.
 * It also keeps the live bound `storedSeq`, notices lost batches (SeqGaps), and sends batches
 * in full only when another instance has listeners (LiveInterest).
 */
export class LiveFeed {
  /**
   * Every event up to this sequence number is stored. A reported batch promises every event up to
   * its lastSeq is stored (on PostgreSQL, seq order is commit order); batches of other instances
   * may come after later ones of this instance, hence the maximum.
   */
  storedSeq: number | undefined;
  private readonly bus: Bus;
  private readonly off: (() => void)[];
  /** Holes in the sequence numbers of batches from other instances (undefined: one instance). */
  private readonly gaps: SeqGaps | undefined;
  /** Whether other instances have live listeners (undefined: one instance). */
  private readonly interest: LiveInterest | undefined;

  constructor(
    deps: {
      bus?: Bus;
      log: FastifyBaseLogger;
      /** The highest seq stored when the hub starts (see LiveHubDeps.initialSeq). */
      initialSeq?: () => Promise<number>;
    },
    private readonly handlers: FeedHandlers,
  ) {
    this.bus = deps.bus ?? new MemoryBus(deps.log);
    const shared = this.bus.kind !== 'memory';
    this.gaps = shared ? new SeqGaps(GAP_WAIT_MS, () => handlers.resync('a batch of another instance never arrived')) : undefined;
    this.interest = shared ? new LiveInterest(this.bus, randomUUID(), () => handlers.listening()) : undefined;
    this.off = [
      this.bus.subscribe<BatchMessage>(CHANNEL.batch, (m) => this.received(m)),
      this.bus.subscribe(CHANNEL.removed, () => handlers.removed()),
      this.bus.subscribe<{ topic: string; data: unknown }>(CHANNEL.publish, (m) => handlers.topic(m.topic, m.data)),
      this.bus.onLost(() => handlers.resync('the bus lost its connection')),
    ];
    deps.initialSeq?.().then(
      (seq) => {
        if (this.storedSeq !== undefined) return; // a batch came first: it says more
        this.storedSeq = seq;
        this.gaps?.seen(seq, seq);
      },
      (error: unknown) => deps.log.warn({ err: error }, 'could not read the highest stored seq; live queries start without a bound'),
    );
  }

  /** A batch was stored by this instance. */
  stored(events: readonly ResolvedEvent[], stored: StoredBatch): void {
    const full: BatchMessage = { events, count: events.length, stored };
    this.bus.publish<BatchMessage>(CHANNEL.batch, full, this.interest?.anyone() === false ? { count: events.length, stored } : full);
  }

  /** Events were deleted by this instance. */
  removed(): void {
    this.bus.publish(CHANNEL.removed, {});
  }

  publish(topic: string, data: unknown): void {
    this.bus.publish(CHANNEL.publish, { topic, data });
  }

  /** This instance may have gained listeners: the others hear of it at once. */
  listenersChanged(): void {
    this.interest?.changed();
  }

  close(): void {
    for (const off of this.off) off();
    this.gaps?.close();
    this.interest?.close();
  }

  private received({ events, count, stored }: BatchMessage): void {
    if (this.storedSeq === undefined || stored.lastSeq > this.storedSeq) this.storedSeq = stored.lastSeq;
    // A batch holds seqs lastSeq − n + 1 … lastSeq (duplicates use theirs up on the embedded tier).
    this.gaps?.seen(stored.lastSeq - count + 1, stored.lastSeq);
    // Sent without its events: its publisher did not know yet that listeners came up here.
    if (events === undefined) {
      if (this.handlers.listening()) this.handlers.resync('a batch came before other instances heard of our listeners');
      return;
    }
    this.handlers.batch(events, stored);
  }
}
