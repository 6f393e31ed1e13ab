import { planQuery, validateMetricDefinition } from '@sightline/query';
import { describe, expect, it } from 'vitest';
import { checkEvent } from '../src/features/ingest/validate-event.js';
import { PACK_METRICS, generateDemoBatches, plantedAnomalies, type DemoEvent, type DemoOptions } from '../src/features/packs/index.js';

const NOW = Date.parse('2026-11-20T00:00:00Z');
const DAY = 86_400_000;

function generate(opts: DemoOptions): DemoEvent[] {
  return [...generateDemoBatches(opts)].flat();
}

const base: DemoOptions = { events: 60_000, days: 60, seed: 3, now: NOW };
const events = generate(base);
const of = (source: string, name?: string) => events.filter((e) => e.source === source && (name === undefined || e.name === name));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('demo generator', () => {
  it.each([
    { events: 7, days: 1 },
    { events: 1000, days: 3 },
    { events: 25_000, days: 90 },
  ])('makes exactly $events events inside the last $days days', ({ events: n, days }) => {
    const out = generate({ events: n, days, seed: 1, now: NOW });
    expect(out).toHaveLength(n);
    for (const e of out) {
      expect(e.ts).toBeGreaterThanOrEqual(NOW - days * DAY);
      expect(e.ts).toBeLessThan(NOW);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generate({ ...base, events: 5000 });
    const b = generate({ ...base, events: 5000 });
    const c = generate({ ...base, events: 5000, seed: 4 });
    expect(b).toEqual(a);
    expect(c.map((e) => e.ts)).not.toEqual(a.map((e) => e.ts));
  });

  it('gives unique ids per source and events that pass ingest validation', () => {
    const keys = new Set(events.map((e) => `${e.source}/${e.id}`));
    expect(keys.size).toBe(events.length);
    for (const [i, e] of events.entries()) {
      const checked = checkEvent(e, `/events/${i}`, NOW);
      if (!checked.ok) throw new Error(`event ${i} is invalid: ${JSON.stringify(checked.errors)}`);
    }
  });

  it('covers the four packs in roughly their shares', () => {
    const share = (source: string) => of(source).length / events.length;
    expect(share('shop')).toBeCloseTo(0.45, 1);
    expect(share('tasks')).toBeCloseTo(0.12, 1);
    expect(share('modelhub')).toBeCloseTo(0.2, 1);
    expect(share('system')).toBeCloseTo(0.23, 1);
    for (const name of ['session_start', 'product_view', 'add_to_cart', 'checkout_started', 'order_completed', 'ad_spend', 'customer_created']) {
      expect(of('shop', name).length, name).toBeGreaterThan(0);
    }
    for (const name of ['task_created', 'task_started', 'task_completed', 'task_overdue']) expect(of('tasks', name).length, name).toBeGreaterThan(0);
    for (const name of ['cpu_sample', 'memory_sample', 'http_request', 'http_error']) expect(of('system', name).length, name).toBeGreaterThan(0);
    const models = new Set(of('modelhub').map((e) => e.props!.model));
    expect(models).toContain('manuscript-xl');
    expect(models.size).toBeGreaterThanOrEqual(3);
  });

  it('has daily and weekly seasonality and a growth trend', () => {
    const hourOf = (e: DemoEvent) => new Date(e.ts).getUTCHours();
    const shop = of('shop');
    const night = shop.filter((e) => hourOf(e) >= 2 && hourOf(e) < 5).length;
    const day = shop.filter((e) => hourOf(e) >= 10 && hourOf(e) < 13).length;
    expect(day / night).toBeGreaterThan(3);
    const tasks = of('tasks');
    const weekend = tasks.filter((e) => [0, 6].includes(new Date(e.ts).getUTCDay())).length / 2;
    const weekday = tasks.filter((e) => ![0, 6].includes(new Date(e.ts).getUTCDay())).length / 5;
    expect(weekday / weekend).toBeGreaterThan(2.5);
    const half = NOW - (base.days / 2) * DAY;
    expect(shop.filter((e) => e.ts >= half).length / shop.filter((e) => e.ts < half).length).toBeGreaterThan(1.1);
  });

  it('makes a shop funnel: fewer orders than checkouts than carts, every order after its actor started a session', () => {
    const count = (name: string) => of('shop', name).length;
    expect(count('product_view')).toBeGreaterThan(count('add_to_cart'));
    expect(count('add_to_cart')).toBeGreaterThan(count('checkout_started'));
    expect(count('checkout_started')).toBeGreaterThan(count('order_completed'));
    const firstSession = new Map<string, number>();
    for (const e of of('shop', 'session_start')) firstSession.set(e.actor!, Math.min(firstSession.get(e.actor!) ?? Infinity, e.ts));
    for (const order of of('shop', 'order_completed')) expect(firstSession.get(order.actor!)).toBeLessThanOrEqual(order.ts);
  });

  it('plants anomalies that stand out from their surroundings', () => {
    const planted = plantedAnomalies(base);
    expect(planted.map((a) => a.metric).sort()).toEqual(['accuracy', 'cpu_p95', 'request_latency_p95', 'revenue']);
    const find = (metric: string) => planted.find((a) => a.metric === metric)!;

    const revenue = find('revenue');
    const revenueIn = (from: number, to: number) => of('shop', 'order_completed').filter((e) => e.ts >= from && e.ts < to).reduce((s, e) => s + e.value!, 0);
    const neighbours = [-3, -2, 2, 3].map((d) => revenueIn(revenue.from + d * DAY, revenue.to + d * DAY));
    expect(revenueIn(revenue.from, revenue.to)).toBeLessThan(0.4 * mean(neighbours));

    const latency = find('request_latency_p95');
    const web2 = of('system', 'http_request').filter((e) => e.props!.host === 'web-2');
    const inSpike = web2.filter((e) => e.ts >= latency.from && e.ts < latency.to).map((e) => e.value!);
    const dayBefore = web2.filter((e) => e.ts >= latency.from - DAY && e.ts < latency.to - DAY).map((e) => e.value!);
    expect(median(inSpike) / median(dayBefore)).toBeGreaterThan(4);

    const cpu = find('cpu_p95');
    const db1 = of('system', 'cpu_sample').filter((e) => e.props!.host === 'db-1');
    expect(mean(db1.filter((e) => e.ts >= cpu.from && e.ts < cpu.to).map((e) => e.value!))).toBeGreaterThan(90);
    expect(mean(db1.filter((e) => e.ts < cpu.from - DAY).map((e) => e.value!))).toBeLessThan(70);

    const accuracy = find('accuracy');
    const churn = of('modelhub').filter((e) => e.props!.model === 'churn-gbm' && e.props!.correct !== undefined);
    const rate = (xs: DemoEvent[]) => xs.filter((e) => e.props!.correct === true).length / xs.length;
    const after = churn.filter((e) => e.ts >= accuracy.from);
    expect(new Set(after.map((e) => e.props!.version))).toEqual(new Set(['v2']));
    expect(rate(churn.filter((e) => e.ts < accuracy.from))).toBeGreaterThan(0.88);
    expect(rate(after)).toBeLessThan(0.8);
  });
});

describe('pack metric catalog', () => {
  it('has unique, valid names and definitions the engine accepts', () => {
    const names = PACK_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const metric of PACK_METRICS) expect(() => validateMetricDefinition(metric)).not.toThrow();
  });

  it('plans every metric (formulas refer to defined metrics, no cycles)', () => {
    const catalog = new Map(PACK_METRICS.map((m) => [m.name, m]));
    for (const metric of PACK_METRICS) {
      expect(() => planQuery({ source: 'shop', measures: [metric.name] }, { now: NOW, metrics: catalog }), metric.name).not.toThrow();
    }
  });
});
