import type { StoredEvent, SubjectEvent } from '@sightline/protocol';
import type { EventStore } from '../../store/types.js';
import type { Access } from '../auth/permissions.js';
import type { PiiHasher } from '../ingest/pii.js';

export interface PrivacyService {
  /**
   * Every stored event of the actor as NDJSON text, one chunk of lines at a time. Limited to the
   * sources `access` may read.
   */
  exportSubject(access: Access, actor: string): AsyncIterable<string>;
  /** Erases every stored event of the actor in the sources `access` may write; returns how many. */
  eraseSubject(access: Access, actor: string): Promise<number>;
  /**
   * How the audit trail names the subject: `actor:<keyed hash>`, never the raw id (often an
   * e-mail address), yet the same subject always gets the same target.
   */
  auditTarget(actor: string): string;
}

/**
 * Privacy requests (SPEC.md §2, §5). Events are found by the actor as sent and by its keyed hash
 * (under the current and every previous secret key): a source whose rules hash `actor` stores only
 * the hash. Nothing else is derived from events yet, so the events table is all there is to erase.
 */
export function createPrivacyService(deps: {
  events: EventStore;
  hasher: PiiHasher;
  /** Told after events were erased (live queries kept from new events must be recomputed). */
  onErased?: () => void;
}): PrivacyService {
  const { events, hasher, onErased } = deps;
  const formsOf = (actor: string) => [actor, ...hasher.hashesUnderEveryKey(actor)];

  return {
    async *exportSubject(access, actor) {
      const actors = formsOf(actor);
      // A principal narrowed to some sources (an admin key for `shop`) exports only from those.
      const sources = access.readsAll() ? undefined : (await events.sourcesOfActor(actors)).filter((s) => access.canRead(s));
      for await (const chunk of events.eventsOfActor(actors, sources)) {
        // One string per store chunk: a few thousand lines per write, not one write per line.
        let text = '';
        for (const event of chunk) text += `${JSON.stringify(subjectEvent(event))}\n`;
        yield text;
      }
    },

    async eraseSubject(access, actor) {
      const actors = formsOf(actor);
      const found = await events.sourcesOfActor(actors);
      const writable = found.filter((s) => access.canWrite(s));
      // A principal over every source erases without a source list, so that events of the subject
      // arriving in a new source meanwhile are erased too.
      const erased = await events.eraseActor(actors, access.readsAll() && writable.length === found.length ? undefined : writable);
      if (erased > 0) onErased?.();
      return erased;
    },

    auditTarget(actor) {
      return `actor:${hasher.hash(actor)}`;
    },
  };
}

function subjectEvent(event: StoredEvent): SubjectEvent {
  return {
    id: event.id,
    source: event.source,
    name: event.name,
    ts: new Date(event.ts).toISOString(),
    actor: event.actor,
    value: event.value,
    props: event.props,
  };
}
