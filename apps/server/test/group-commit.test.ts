/**
 * Group commit under concurrency: requests that share a flush, requests spread over several groups
 * while earlier groups are still being written, and duplicates between all of them. Every answer
 * is checked against a reference that replays the requests in the order they were made: the first
 * request to carry a (source, id) stores it, every later one counts it as a duplicate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

interface Sent {
  source: string;
  id: string;
  name: string;
  value: number;
}

function makeRequests(seed: number, count: number): Sent[][] {
  const rnd = random(seed);
  return Array.from({ length: count }, (_, r) =>
    Array.from({ length: 1 + Math.floor(rnd() * 40) }, (_, i) => ({
      source: rnd() < 0.5 ? 'alpha' : 'beta',
      // A small pool of ids: repeats within a request, within a group and across groups.
      id: `k${Math.floor(rnd() * 400)}`,
      name: `request_${r}`,
      value: r * 1000 + i,
    })),
  );
}

/** What each request should be told, and what should be stored, if the first carrier of a key wins. */
function reference(requests: readonly Sent[][]) {
  const stored = new Map<string, Sent>();
  const answers = requests.map((events) => {
    let accepted = 0;
    for (const e of events) {
      const key = `${e.source}/${e.id}`;
      if (stored.has(key)) continue;
      stored.set(key, e);
      accepted++;
    }
    return { accepted, duplicates: events.length - accepted };
  });
  return { answers, stored };
}

async function storedEvents(t: TestApp): Promise<Map<string, { name: string; value: number }>> {
  const rows = await t.app.eventStore.query('SELECT source, id, name, value FROM events', []);
  return new Map(rows.map(([source, id, name, value]) => [`${String(source)}/${String(id)}`, { name: name as string, value: value as number }]));
}

describe('group commit', () => {
  for (const seed of [1, 2, 3]) {
    it(`answers every request exactly when requests share and straddle flushes (seed ${seed})`, async () => {
      const t = await startTestApp({ now: NOW });
      apps.push(t);
      const requests = makeRequests(seed, 300);
      // Waves of requests, each wave sent while the previous ones are still being written, so that
      // groups form, flush and overlap with filling.
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < requests.length; i++) {
        pending.push(t.app.ingest.ingest(requests[i]!));
        if (i % 37 === 36) await new Promise((resolve) => setImmediate(resolve));
      }
      const answers = await Promise.all(pending);
      const expected = reference(requests);
      expect(answers).toEqual(expected.answers);

      const stored = await storedEvents(t);
      expect(stored.size).toBe(expected.stored.size);
      for (const [key, e] of expected.stored) expect(stored.get(key)).toEqual({ name: e.name, value: e.value });
    });
  }

  it('still counts everything as a duplicate after a restart', async () => {
    const first = await startTestApp({ now: NOW, keep: true });
    const requests = makeRequests(7, 60);
    await Promise.all(requests.map((events) => first.app.ingest.ingest(events)));
    const before = await storedEvents(first);
    await first.close();

    const again = await startTestApp({ now: NOW, dataDir: first.dataDir });
    apps.push(again);
    const answers = await Promise.all(requests.map((events) => again.app.ingest.ingest(events)));
    expect(answers).toEqual(requests.map((events) => ({ accepted: 0, duplicates: events.length })));
    expect(await storedEvents(again)).toEqual(before);
  });
});
