import type { EventStore } from '../store/types.js';
import type { ResultCache } from './cache.js';

/**
 * The event store, with cached query answers dropped whenever events are deleted through it: a
 * privacy erasure (any source, any time: the whole cache) or a retention delete (the source's
 * answers up to the cut-off). At the store, not in each caller, so that no path that deletes events
 * (routes, jobs, the command line, tests) can leave a stale answer behind; the cache is dropped
 * before the deletion is reported. Every other member is the store's own.
 */
export function invalidatingEvents(events: EventStore, cache: ResultCache): EventStore {
  const eraseActor: EventStore['eraseActor'] = async (actors, sources) => {
    const erased = await events.eraseActor(actors, sources);
    if (erased > 0) await cache.clear();
    return erased;
  };
  const deleteOlderThan: EventStore['deleteOlderThan'] = async (source, beforeMs) => {
    const deleted = await events.deleteOlderThan(source, beforeMs);
    if (deleted > 0) await cache.invalidate(new Map([[source, { min: Number.MIN_SAFE_INTEGER, max: beforeMs }]]));
    return deleted;
  };
  return new Proxy(events, {
    get(target, property) {
      if (property === 'eraseActor') return eraseActor;
      if (property === 'deleteOlderThan') return deleteOlderThan;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
