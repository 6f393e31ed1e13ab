/**
 * Funnels against a brute-force reference written from docs/query-language.md: every assignment of
 * distinct events to steps is tried, so equal timestamps and repeated step names are covered.
 */
import { describe, expect, it } from 'vitest';
import { TIERS, TestDb, type TestEvent } from './db.js';

const MIN = 60_000;

interface Step {
  name: string;
  where?: { field: 'value'; op: 'gt'; value: number }[];
}

function reference(events: TestEvent[], steps: Step[], from: number, to: number, windowMs: number, breakdown: boolean) {
  const matches = (e: TestEvent, s: Step) => e.name === s.name && (s.where ?? []).every((w) => typeof e.value === 'number' && e.value > w.value);
  const byActor = new Map<string, TestEvent[]>();
  for (const e of events) if (e.actor) byActor.set(e.actor, [...(byActor.get(e.actor) ?? []), e]);
  const reached = new Map<string, number[]>(); // breakdown → actors per step
  for (const list of byActor.values()) {
    let best: { level: number; ts: number; bd: string | null } | undefined;
    for (const start of list) {
      const t0 = start.ts as number;
      if (!matches(start, steps[0]) || t0 < from || t0 >= to) continue;
      const search = (k: number, last: number, used: Set<TestEvent>): number => {
        if (k === steps.length) return k;
        let deepest = k;
        for (const e of list) {
          const t = e.ts as number;
          if (used.has(e) || t < last || t > t0 + windowMs || !matches(e, steps[k])) continue;
          used.add(e);
          deepest = Math.max(deepest, search(k + 1, t, used));
          used.delete(e);
        }
        return deepest;
      };
      const level = search(1, t0, new Set([start]));
      const bd = (start.props?.c as string | undefined) ?? null;
      const better = !best || level > best.level || (level === best.level && (t0 < best.ts || (t0 === best.ts && bd !== null && (best.bd === null || bd < best.bd))));
      if (better) best = { level, ts: t0, bd };
    }
    if (!best) continue;
    const key = breakdown ? best.bd ?? '\uffff' : '';
    const counts = reached.get(key) ?? steps.map(() => 0);
    for (let k = 0; k < best.level; k++) counts[k]++;
    reached.set(key, counts);
  }
  const rows: unknown[][] = [];
  for (const key of [...reached.keys()].sort()) {
    const counts = reached.get(key)!;
    counts.forEach((n, k) => {
      const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
      rows.push([k + 1, steps[k].name, ...(breakdown ? [key === '\uffff' ? null : key] : []), n, ratio(n, counts[0]), ratio(n, counts[k === 0 ? 0 : k - 1])]);
    });
  }
  if (!breakdown && rows.length === 0) steps.forEach((s, k) => rows.push([k + 1, s.name, 0, null, null]));
  return rows;
}

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe.each(TIERS)('funnel (%s)', (tier) => {
  it('respects order, the window, and lets later steps pass range.to', async () => {
    const db = await TestDb.create(tier);
    const t = Date.parse('2026-03-10T12:00:00Z');
    await db.insert([
      // u1: view, cart, buy in order within an hour: reaches 3 (buy after range.to)
      { name: 'view', ts: t, actor: 'u1' }, { name: 'cart', ts: t + 10 * MIN, actor: 'u1' }, { name: 'buy', ts: t + 50 * MIN, actor: 'u1' },
      // u2: cart before view: reaches 1
      { name: 'cart', ts: t - MIN, actor: 'u2' }, { name: 'view', ts: t, actor: 'u2' },
      // u3: cart too late for the window: 1
      { name: 'view', ts: t, actor: 'u3' }, { name: 'cart', ts: t + 61 * MIN, actor: 'u3' },
      // no actor: ignored
      { name: 'view', ts: t, actor: null },
    ]);
    const answer = await db.query({
      kind: 'funnel', source: 'shop', window: '1h', steps: [{ name: 'view' }, { name: 'cart' }, { name: 'buy' }],
      range: { from: '2026-03-10T00:00:00Z', to: '2026-03-10T12:30:00Z' },
    });
    expect(answer.rows).toEqual([[1, 'view', 3, 1, 1], [2, 'cart', 1, 1 / 3, 1 / 3], [3, 'buy', 1, 1 / 3, 1]]);
  });

  const cases = [
    ['2 distinct names', [{ name: 'a' }, { name: 'b' }]],
    ['3 distinct names', [{ name: 'a' }, { name: 'b' }, { name: 'c', where: [{ field: 'value', op: 'gt', value: 1 }] }]],
    ['4 distinct names', [{ name: 'd' }, { name: 'a' }, { name: 'b' }, { name: 'c' }]],
    ['repeated names (exact match in JS)', [{ name: 'a' }, { name: 'b' }, { name: 'a' }, { name: 'b', where: [{ field: 'value', op: 'gt', value: 1 }] }]],
  ] as const;
  for (const [label, steps] of cases) {
    for (const breakdown of [false, true]) {
      for (const seed of [1, 2, 3]) {
        it(`matches the reference on random data with ties: ${label}${breakdown ? ', with breakdown' : ''} (seed ${seed})`, async () => {
          const rnd = random(seed * 1000 + label.length * 7 + (breakdown ? 1 : 0));
          const base = Date.parse('2026-03-10T00:00:00Z');
          const events: TestEvent[] = [];
          for (let i = 0; i < 400; i++) {
            events.push({
              name: ['a', 'b', 'c', 'd'][Math.floor(rnd() * 4)],
              // Coarse times (whole 10 minutes) make equal timestamps common.
              ts: base + Math.floor(rnd() * 60) * 10 * MIN,
              actor: rnd() < 0.05 ? null : `u${Math.floor(rnd() * 25)}`,
              value: Math.floor(rnd() * 3),
              props: rnd() < 0.2 ? {} : { c: ['de', 'fr', 'it'][Math.floor(rnd() * 3)] },
            });
          }
          const db = await TestDb.create(tier);
          await db.insert(events);
          const from = base + 60 * MIN;
          const to = base + 400 * MIN;
          const answer = await db.query({
            kind: 'funnel', source: 'shop', window: '90m', steps: steps as unknown as Step[],
            range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
            ...(breakdown ? { breakdown: 'props.c' } : {}),
          });
          expect(answer.rows).toEqual(reference(events, steps as unknown as Step[], from, to, 90 * MIN, breakdown));
        });
      }
    }
  }
});
