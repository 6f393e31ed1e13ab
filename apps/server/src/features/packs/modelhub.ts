import { HOUR, allocate, dailyShape, timeInHour, trend, weeklyShape } from './timeline.js';
import type { DemoEvent, Pack, PackContext } from './types.js';

interface Model {
  model: string;
  weight: number;
  latencyMs: number;
  accuracy: number;
  /** Cost of one prediction in USD, before tokens. */
  cost: number;
  /** Language models bill per token. */
  tokens?: [number, number];
}

const MODELS: readonly Model[] = [
  { model: 'churn-gbm', weight: 40, latencyMs: 12, accuracy: 0.92, cost: 0.00002 },
  { model: 'fraud-xgb', weight: 35, latencyMs: 8, accuracy: 0.96, cost: 0.00001 },
  { model: 'recsys-two-tower', weight: 20, latencyMs: 25, accuracy: 0.81, cost: 0.00004 },
  // The manuscript-size model: a large language model, slow and costly per call.
  { model: 'manuscript-xl', weight: 5, latencyMs: 1800, accuracy: 0.88, cost: 0.0004, tokens: [600, 4000] },
];

/** Predictions of several models and versions, with outcomes for the ones that get feedback. */
export const modelhub: Pack = {
  name: 'modelhub',
  source: 'modelhub',
  share: 0.2,
  rollupDimensions: ['props.model', 'props.correct', 'props.version'],
  *events(ctx: PackContext): Generator<DemoEvent> {
    const { line, random, idPrefix, anomalies } = ctx;
    const release = anomalies.modelRelease;
    const quotas = allocate(line, ctx.count, (t) => {
      const d = new Date(t);
      return (0.5 + dailyShape(d.getUTCHours())) * weeklyShape(d.getUTCDay(), 0.8) * trend(line, t, 1.5);
    });
    const weighted = MODELS.map((m) => [m, m.weight] as const);
    let n = 0;
    for (let h = 0; h < quotas.length; h++) {
      const hourStart = line.start + h * HOUR;
      for (let i = 0; i < quotas[h]!; i++) {
        const m = random.weighted(weighted);
        const ts = timeInHour(random, hourStart, line.end);
        const released = m.model === release.model && ts >= release.at;
        const version = released ? release.version : m.model === 'fraud-xgb' ? 'v3' : 'v1';
        const accuracy = released ? 0.74 : m.accuracy;
        const tokens = m.tokens ? m.tokens[0] + random.int(m.tokens[1] - m.tokens[0]) : undefined;
        const cost = m.cost + (tokens ? tokens * 0.000002 : 0);
        const props: Record<string, unknown> = { model: m.model, version, cost_usd: Math.round(cost * 1e7) / 1e7 };
        if (tokens !== undefined) props.tokens = tokens;
        // Outcomes arrive for about 60 % of predictions.
        if (random.chance(0.6)) props.correct = random.chance(accuracy);
        yield {
          id: `${idPrefix}${(n++).toString(36)}`,
          source: 'modelhub',
          name: 'prediction',
          ts,
          actor: `user-${random.int(5000).toString(36)}`,
          value: Math.round(random.logNormal(m.latencyMs * (tokens ? tokens / 2000 : 1), 0.35) * 100) / 100,
          props,
        };
      }
    }
  },
};
