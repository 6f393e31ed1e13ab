import type { ErrorDetail, IngestResult } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { Access } from '../auth/permissions.js';
import type { EventStore, ResolvedEvent, StoredBatch } from '../../store/types.js';
import type { PiiRules } from './pii.js';
import { checkEvent } from './validate-event.js';

/** At most this many error entries are returned for one batch; the count says how many there were. */
const MAX_REPORTED_ERRORS = 1000;

export interface IngestService {
  /**
   * Validates the whole batch, then stores it durably; any invalid event rejects all of it, and so
   * does any event of a source `access` may not write (403). Without `access` (in-process loaders
   * such as the demo), every source is writable.
   */
  ingest(items: readonly unknown[], options?: { access?: Access }): Promise<IngestResult>;
}

export function createIngestService(deps: {
  store: EventStore;
  clock: () => number;
  telemetry: Telemetry;
  pii?: PiiRules;
  /** Told about every durably stored batch (after its PII rules), in the order they were stored, for the live channel. */
  onStored?: (events: readonly ResolvedEvent[], stored: StoredBatch) => void;
  /**
   * Told where each stored batch landed (per source, its earliest and latest event time), and
   * awaited before the batch is acknowledged: cached query answers over those times are dropped,
   * so that a client that queries after its ingest was acknowledged sees its events.
   */
  onLanded?: (landed: ReadonlyMap<string, { min: number; max: number }>) => Promise<void>;
}): IngestService {
  const { store, clock, telemetry, pii, onStored, onLanded } = deps;
  return {
    async ingest(items, options = {}) {
      if (options.access) checkWritable(items, options.access);
      const now = clock();
      const events: ResolvedEvent[] = new Array(items.length);
      const errors: ErrorDetail[] = [];
      let badEvents = 0;
      const piiBatch = pii?.batch();
      for (let i = 0; i < items.length; i++) {
        const checked = checkEvent(items[i], `/events/${i}`, now, piiBatch);
        if (checked.ok) {
          events[i] = checked.event;
        } else {
          badEvents++;
          if (errors.length < MAX_REPORTED_ERRORS) errors.push(...checked.errors);
        }
      }
      if (badEvents > 0) {
        telemetry.eventsRejected.inc(items.length);
        throw new AppError('invalid_events', {
          detail: `${badEvents} of ${items.length} events are invalid; nothing of this batch was stored`,
          errors: errors.slice(0, MAX_REPORTED_ERRORS),
        });
      }
      const stored = await store.append(events);
      telemetry.eventsIngested.inc(stored.accepted);
      telemetry.eventsDuplicated.inc(stored.duplicates);
      // A batch that was all duplicates changes nothing.
      if (stored.accepted > 0) {
        onStored?.(events, stored);
        if (onLanded) await onLanded(spanOf(events));
      }
      return { accepted: stored.accepted, duplicates: stored.duplicates };
    },
  };
}

/** Per source, the earliest and latest event time of a batch. */
export function spanOf(events: readonly ResolvedEvent[]): Map<string, { min: number; max: number }> {
  const span = new Map<string, { min: number; max: number }>();
  for (const e of events) {
    const s = span.get(e.source);
    if (!s) span.set(e.source, { min: e.ts, max: e.ts });
    else {
      if (e.ts < s.min) s.min = e.ts;
      if (e.ts > s.max) s.max = e.ts;
    }
  }
  return span;
}

/** Refuses the batch when it carries an event of a source the caller may not write. */
function checkWritable(items: readonly unknown[], access: Access): void {
  const errors: ErrorDetail[] = [];
  for (let i = 0; i < items.length && errors.length < MAX_REPORTED_ERRORS; i++) {
    const source = (items[i] as { source?: unknown } | null)?.source;
    if (typeof source === 'string' && !access.canWrite(source)) {
      errors.push({ path: `/events/${i}/source`, message: 'is a source you may not write' });
    }
  }
  if (errors.length > 0) {
    throw new AppError('forbidden', { detail: 'The batch has events of sources you may not write; nothing of it was stored', errors });
  }
}
