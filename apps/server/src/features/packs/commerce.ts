import { DAY, allocate, dailyShape, timeInHour, trend, weeklyShape } from './timeline.js';
import type { DemoEvent, Pack, PackContext } from './types.js';

const COUNTRIES = [['de', 30], ['us', 25], ['fr', 15], ['gb', 12], ['br', 10], ['jp', 8]] as const;
const CHANNELS = [['organic', 40], ['search', 25], ['social', 20], ['email', 15]] as const;
const AD_CHANNELS = ['search', 'social', 'email'] as const;
const CATEGORIES = ['shoes', 'shirts', 'bags', 'watches', 'books'] as const;
const PRODUCTS = Array.from({ length: 40 }, (_, i) => ({
  product: `sku-${String(i + 1).padStart(3, '0')}`,
  category: CATEGORIES[i % CATEGORIES.length]!,
  price: Math.round((9 + ((i * 37) % 180) + (i % 3) * 0.5) * 100) / 100,
}));

/**
 * Shop sessions with a real funnel: session → product views → cart → checkout → order, each step
 * later in time than the one before, with daily ad spend and new customers.
 */
export const commerce: Pack = {
  name: 'commerce',
  source: 'shop',
  share: 0.45,
  rollupDimensions: ['props.country', 'props.channel', 'props.customer_type'],
  *events(ctx: PackContext): Generator<DemoEvent> {
    const { line, random, idPrefix, anomalies } = ctx;
    const quotas = allocate(line, ctx.count, (t) => {
      const d = new Date(t);
      return dailyShape(d.getUTCHours()) * weeklyShape(d.getUTCDay(), 1.25) * trend(line, t, 1.6);
    });
    let n = 0;
    let customers = 0;
    const id = () => `${idPrefix}${(n++).toString(36)}`;
    for (let h = 0; h < quotas.length; h++) {
      let left = quotas[h]!;
      const hourStart = line.start + h * 3_600_000;
      // Ad spend is booked once a day per channel, at the first hour that has room for it.
      if ((hourStart - line.start) % DAY === 0 && left >= AD_CHANNELS.length + 1) {
        for (const channel of AD_CHANNELS) {
          const spend = Math.round(random.logNormal(channel === 'search' ? 420 : 260, 0.25) * trend(line, hourStart, 1.3) * 100) / 100;
          yield { id: id(), source: 'shop', name: 'ad_spend', ts: hourStart, value: spend, props: { channel } };
          left--;
        }
      }
      const outage = hourStart >= anomalies.revenueDrop.from && hourStart < anomalies.revenueDrop.to;
      while (left > 0) {
        // About one session in five is a new customer; the pool grows with the trend.
        const isNew = customers === 0 || random.chance(0.2);
        const customer = isNew ? customers++ : random.int(customers);
        const actor = `c-${customer.toString(36)}`;
        const country = random.weighted(COUNTRIES);
        const channel = random.weighted(CHANNELS);
        let t = timeInHour(random, hourStart, line.end);
        const step = () => (t = Math.min(line.end - 1, t + 20_000 + random.int(160_000)));
        const session: DemoEvent[] = [];
        if (isNew) session.push({ id: '', source: 'shop', name: 'customer_created', ts: t, actor, props: { country, channel } });
        session.push({ id: '', source: 'shop', name: 'session_start', ts: t, actor, props: { country, channel, device: { os: random.pick(['ios', 'android', 'windows', 'macos']) } } });
        const views = 1 + random.int(5);
        const seen: (typeof PRODUCTS)[number][] = [];
        for (let v = 0; v < views; v++) {
          const p = random.pick(PRODUCTS);
          seen.push(p);
          session.push({ id: '', source: 'shop', name: 'product_view', ts: step(), actor, value: p.price, props: { ...p } });
        }
        if (random.chance(0.35)) {
          const items = seen.slice(0, 1 + random.int(seen.length));
          const total = Math.round(items.reduce((s, p) => s + p.price, 0) * 100) / 100;
          session.push({ id: '', source: 'shop', name: 'add_to_cart', ts: step(), actor, value: total, props: { items: items.length } });
          if (random.chance(0.6)) {
            session.push({ id: '', source: 'shop', name: 'checkout_started', ts: step(), actor, value: total, props: { items: items.length } });
            if (random.chance(outage ? 0.08 : 0.72)) {
              session.push({
                id: '',
                source: 'shop',
                name: 'order_completed',
                ts: step(),
                actor,
                value: total,
                props: { country, channel, items: items.length, customer_type: isNew ? 'new' : 'returning', plan: random.chance(0.2) ? 'pro' : 'free' },
              });
            }
          }
        }
        for (const event of session) {
          if (left === 0) break;
          event.id = id();
          yield event;
          left--;
        }
      }
    }
  },
};
