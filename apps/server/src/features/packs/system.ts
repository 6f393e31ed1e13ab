import { HOUR, allocate, dailyShape, timeInHour, weeklyShape } from './timeline.js';
import type { DemoEvent, Pack, PackContext } from './types.js';

const HOSTS = ['web-1', 'web-2', 'web-3', 'api-1', 'api-2', 'db-1'] as const;
const ROUTES = [['/api/orders', 25], ['/api/products', 35], ['/api/cart', 20], ['/login', 10], ['/health', 10]] as const;
const KINDS = [['http_request', 55], ['cpu_sample', 22], ['memory_sample', 20], ['http_error', 3]] as const;

/** Host metrics and request logs of a small fleet; load follows the shop's day. */
export const system: Pack = {
  name: 'system',
  source: 'system',
  share: 0.23,
  rollupDimensions: ['props.route', 'props.host'],
  *events(ctx: PackContext): Generator<DemoEvent> {
    const { line, random, idPrefix, anomalies } = ctx;
    const { latencySpike, cpuSpike } = anomalies;
    const quotas = allocate(line, ctx.count, (t) => {
      const d = new Date(t);
      return (0.6 + dailyShape(d.getUTCHours())) * weeklyShape(d.getUTCDay(), 0.85);
    });
    let n = 0;
    for (let h = 0; h < quotas.length; h++) {
      const hourStart = line.start + h * HOUR;
      const load = dailyShape(new Date(hourStart).getUTCHours()) / 1.9;
      for (let i = 0; i < quotas[h]!; i++) {
        const ts = timeInHour(random, hourStart, line.end);
        const host = random.pick(HOSTS);
        const name = random.weighted(KINDS);
        const slow = host === latencySpike.host && ts >= latencySpike.from && ts < latencySpike.to;
        const hot = host === cpuSpike.host && ts >= cpuSpike.from && ts < cpuSpike.to;
        let value: number;
        let props: Record<string, unknown> = { host };
        if (name === 'cpu_sample') {
          value = hot ? 94 + random.next() * 5 : 18 + 45 * load + random.normal() * 6;
        } else if (name === 'memory_sample') {
          value = (host === 'db-1' ? 70 : 45) + 10 * load + random.normal() * 3;
        } else {
          const route = random.weighted(ROUTES);
          value = random.logNormal(route === '/health' ? 3 : 45, 0.45) * (slow ? 8 : 1);
          const status = name === 'http_error' ? random.pick([500, 502, 503]) : slow && random.chance(0.1) ? 500 : random.chance(0.03) ? 404 : 200;
          props = { host, route, status };
        }
        yield {
          id: `${idPrefix}${(n++).toString(36)}`,
          source: 'system',
          name,
          ts,
          // Samples are percentages; request latencies are milliseconds.
          value: Math.round(Math.min(name.endsWith('_sample') ? 100 : 100_000, Math.max(0, value)) * 100) / 100,
          props,
        };
      }
    }
  },
};
