/**
 * The exact funnel match for one actor, used when step names repeat. Events are taken in time
 * order, one group of equal timestamps at a time; from a step-1 event, each group advances the
 * actor as far as distinct events of the group can play the next steps (a small bipartite matching,
 * since one event may match several steps). Reaching further at the same time never hurts later, so
 * this finds the furthest step reachable.
 */
import { compareCells } from './order.js';

export interface MatchEvent {
  ts: number;
  /** steps[i]: the event can play step i + 1 (step 1 only inside the range). */
  steps: boolean[];
  bd: string | null;
}

export function bestLevels(events: readonly MatchEvent[], windowMs: number): { level: number; bd: string | null } | undefined {
  let best: { level: number; ts: number; bd: string | null } | undefined;
  for (let s = 0; s < events.length; s++) {
    const start = events[s];
    if (!start.steps[0]) continue;
    const level = levelFrom(events, s, windowMs);
    if (
      !best ||
      level > best.level ||
      (level === best.level && (start.ts < best.ts || (start.ts === best.ts && before(start.bd, best.bd))))
    ) {
      best = { level, ts: start.ts, bd: start.bd };
    }
  }
  return best && { level: best.level, bd: best.bd };
}

/** Smallest breakdown value first, nulls last (as the statement's ORDER BY bd NULLS LAST). */
function before(a: string | null, b: string | null): boolean {
  return compareCells(a, b) < 0;
}

function levelFrom(events: readonly MatchEvent[], s: number, windowMs: number): number {
  const n = events[s].steps.length;
  const t0 = events[s].ts;
  let level = 1;
  // The first event at t0 (the start may sit anywhere in its group of equal timestamps).
  let i = s;
  while (i > 0 && events[i - 1].ts === t0) i--;
  while (i < events.length && level < n && events[i].ts <= t0 + windowMs) {
    const group: number[] = [];
    const ts = events[i].ts;
    for (; i < events.length && events[i].ts === ts; i++) if (i !== s) group.push(i);
    level = advance(events, group, level, n);
  }
  return level;
}

/** The furthest level reachable from `level` with distinct events of one group. */
function advance(events: readonly MatchEvent[], group: number[], level: number, n: number): number {
  const owner = new Map<number, number>(); // event index → step index it plays
  const tryStep = (step: number, seen: Set<number>): boolean => {
    for (const e of group) {
      if (!events[e].steps[step] || seen.has(e)) continue;
      seen.add(e);
      const other = owner.get(e);
      if (other === undefined || tryStep(other, seen)) {
        owner.set(e, step);
        return true;
      }
    }
    return false;
  };
  let reached = level;
  while (reached < n && tryStep(reached, new Set())) reached++;
  return reached;
}
