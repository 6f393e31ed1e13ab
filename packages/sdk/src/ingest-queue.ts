import type { EventInput, IngestResult } from '@sightline/protocol';
import { retryDelay, sleep } from './backoff.js';
import { SightlineError } from './errors.js';
import type { HttpClient } from './http.js';
import { newEventId } from './ids.js';
import type { ResolvedOptions } from './options.js';

export const EVENTS_PATH = '/v1/events';

type QueueOptions = Pick<ResolvedOptions, 'batchSize' | 'flushIntervalMs' | 'maxQueuedEvents' | 'retry' | 'onError' | 'random'>;

/** A tracked event and its place in the order of `track` calls. */
interface Item {
  seq: number;
  event: EventInput;
}

interface FlushWaiter {
  /** The waiter is done once every item with seq <= target is settled. */
  target: number;
  result: IngestResult;
  error: SightlineError | undefined;
  resolve: (result: IngestResult) => void;
  reject: (error: SightlineError) => void;
}

/** Paths of an `invalid_events` answer look like `/events/3/ts`; this reads the 3. */
const EVENT_INDEX = /^\/events\/(\d+)(?:\/|$)/;

/**
 * The ingest side of the client: a FIFO of tracked events sent in batches of `batchSize`, or
 * whatever is queued once the oldest event has waited `flushIntervalMs`, or on `flush()`.
 *
 * One batch is in flight at a time. That keeps the events in order, keeps a struggling server
 * from being hit by N parallel retry loops, and makes "everything up to seq N is settled" a
 * single comparison (see `lowestPending`).
 */
export class IngestQueue {
  private queue: Item[] = [];
  private inflight: Item[] | undefined;
  private nextSeq = 1;
  /** Items with seq <= flushTarget are sent without waiting for a full batch. */
  private flushTarget = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  private waiters: FlushWaiter[] = [];
  private closed = false;
  private droppedUnreported = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly options: QueueOptions,
  ) {}

  /** Events queued and not yet acknowledged (including the batch in flight). */
  get pending(): number {
    return this.queue.length + (this.inflight?.length ?? 0);
  }

  track(event: EventInput): void {
    if (this.closed) {
      this.options.onError(new SightlineError('track() after close(): the event was dropped', { code: 'closed', events: [event] }));
      return;
    }
    // A copy, so that the caller changing its object later cannot change what is sent, and an id
    // so that a retried batch is stored once.
    const copy: EventInput = { ...event, id: event.id ?? newEventId() };
    this.queue.push({ seq: this.nextSeq++, event: copy });
    if (this.queue.length > this.options.maxQueuedEvents) this.dropOldest();
    if (this.queue.length >= this.options.batchSize) this.kick();
    else this.armTimer();
  }

  /**
   * Sends everything queued so far and resolves when all of it is acknowledged, with the sum of
   * the acknowledgements of the batches it waited for. Rejects with the first SightlineError of
   * those events (a refused batch, retries exhausted, dropped by overflow).
   */
  flush(): Promise<IngestResult> {
    const target = this.nextSeq - 1;
    return new Promise<IngestResult>((resolve, reject) => {
      const waiter: FlushWaiter = { target, result: { accepted: 0, duplicates: 0 }, error: undefined, resolve, reject };
      this.waiters.push(waiter);
      this.flushTarget = Math.max(this.flushTarget, target);
      this.settleWaiters();
      this.kick();
    });
  }

  /** Flushes, then refuses further events. Rejects like flush() when the last events could not be stored. */
  async close(): Promise<void> {
    const flushed = this.flush();
    this.closed = true;
    try {
      await flushed;
    } finally {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private dropOldest(): void {
    const dropped = this.queue.shift()!;
    this.failWaiters(dropped.seq, () => this.overflowError(1, [dropped.event]));
    // Reported once per burst: a loop that overfills the queue gets one onError with the total,
    // not one per call (queueMicrotask runs after the current synchronous loop).
    if (this.droppedUnreported++ === 0) {
      queueMicrotask(() => {
        const n = this.droppedUnreported;
        this.droppedUnreported = 0;
        this.options.onError(this.overflowError(n));
      });
    }
    this.settleWaiters();
  }

  private overflowError(count: number, events?: EventInput[]): SightlineError {
    return new SightlineError(`${count} queued event(s) dropped: more than maxQueuedEvents (${this.options.maxQueuedEvents}) waiting to be sent`, {
      code: 'queue_overflow',
      events,
    });
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Time's up for everything queued now; later events get their own interval.
      this.flushTarget = Math.max(this.flushTarget, this.nextSeq - 1);
      this.kick();
    }, this.options.flushIntervalMs);
  }

  private shouldSendNow(): boolean {
    const head = this.queue[0];
    return head !== undefined && (this.queue.length >= this.options.batchSize || head.seq <= this.flushTarget);
  }

  private kick(): void {
    if (this.sending) return;
    this.sending = true;
    void this.run().finally(() => {
      this.sending = false;
      // Events tracked during the last batch, not enough for a batch of their own, wait for the timer.
      if (this.shouldSendNow()) this.kick();
      else this.armTimer();
    });
  }

  private async run(): Promise<void> {
    while (this.shouldSendNow()) {
      const batch = this.queue.splice(0, this.options.batchSize);
      this.inflight = batch;
      try {
        await this.send(batch, 0);
      } finally {
        this.inflight = undefined;
        this.settleWaiters();
      }
    }
  }

  /** Sends `items` until acknowledged or finally refused; never throws. `attempt` counts retries used. */
  private async send(items: Item[], attempt: number): Promise<void> {
    for (;;) {
      try {
        const result = await this.http.post<IngestResult>(EVENTS_PATH, { events: items.map((i) => i.event) });
        this.acknowledge(items, result);
        return;
      } catch (caught) {
        const error = caught instanceof SightlineError ? caught : new SightlineError(String(caught), { code: 'network_error', retryable: true, cause: caught });
        if (error.code === 'payload_too_large' && items.length > 1) {
          // The server's body limit is smaller than this batch: halve it rather than lose it.
          const half = Math.ceil(items.length / 2);
          await this.send(items.slice(0, half), attempt);
          await this.send(items.slice(half), attempt);
          return;
        }
        if (error.code === 'invalid_events') {
          const bad = badIndices(error, items.length);
          if (bad !== undefined && bad.size < items.length) {
            // The server refuses the whole batch for one bad event; the others deserve to be stored.
            const refused = items.filter((_, i) => bad.has(i));
            this.fail(refused, renumber(error, bad));
            items = items.filter((_, i) => !bad.has(i));
            continue;
          }
        }
        if (error.retryable && attempt < this.options.retry.retries) {
          await sleep(retryDelay(attempt, this.options.retry, error.retryAfterMs, this.options.random));
          attempt++;
          continue;
        }
        this.fail(items, error);
        return;
      }
    }
  }

  private acknowledge(items: Item[], result: IngestResult): void {
    const first = items[0]!.seq;
    for (const w of this.waiters) {
      if (w.target >= first) {
        w.result.accepted += result.accepted;
        w.result.duplicates += result.duplicates;
      }
    }
  }

  private fail(items: Item[], error: SightlineError): void {
    const withEvents = error.withEvents(items.map((i) => i.event));
    // Every final failure is reported, flushed or not: track() is fire-and-forget, and onError is
    // the only place a caller who never flushes can learn that events were lost.
    this.options.onError(withEvents);
    this.failWaiters(items[0]!.seq, () => withEvents);
  }

  private failWaiters(fromSeq: number, error: () => SightlineError): void {
    for (const w of this.waiters) if (w.target >= fromSeq && w.error === undefined) w.error = error();
  }

  /** The smallest seq not yet settled: FIFO order makes everything below it settled. */
  private lowestPending(): number {
    return this.inflight?.[0]?.seq ?? this.queue[0]?.seq ?? this.nextSeq;
  }

  private settleWaiters(): void {
    const lowest = this.lowestPending();
    const done = this.waiters.filter((w) => w.target < lowest);
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target >= lowest);
    for (const w of done) {
      if (w.error === undefined) w.resolve(w.result);
      else w.reject(w.error);
    }
  }
}

/**
 * The error of the refused events alone, its paths renumbered to point into `error.events` (the
 * refused events) rather than into the batch, whose other events the caller never saw together.
 */
function renumber(error: SightlineError, bad: Set<number>): SightlineError {
  const order = [...bad].sort((a, b) => a - b);
  const errors = error.errors.map((e) => ({ ...e, path: e.path.replace(EVENT_INDEX, (whole, i: string) => whole.replace(i, String(order.indexOf(Number(i))))) }));
  return new SightlineError(error.message, { code: error.code, status: error.status, detail: error.detail, errors, problem: error.problem, retryable: false });
}

/** The batch indices an `invalid_events` error names, or undefined when a path names none. */
function badIndices(error: SightlineError, size: number): Set<number> | undefined {
  if (error.errors.length === 0) return undefined;
  const bad = new Set<number>();
  for (const e of error.errors) {
    const match = EVENT_INDEX.exec(e.path);
    if (match === null) return undefined;
    const index = Number(match[1]);
    if (index >= size) return undefined;
    bad.add(index);
  }
  return bad;
}
