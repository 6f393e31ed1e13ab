// Realistic ingest payloads: an order-like event with a few props, no id (the server assigns one,
// so every request stores new events and the benchmark measures real writes, not duplicates).
export function sampleEvents(n, now = Date.now()) {
  return Array.from({ length: n }, (_, i) => ({
    source: 'shop',
    name: i % 5 === 0 ? 'order_completed' : 'product_view',
    ts: new Date(now - i * 1000).toISOString(),
    actor: `customer-${i % 997}`,
    value: Math.round(((i * 37) % 20000) / 3) / 100,
    props: { country: ['de', 'fr', 'us', 'br'][i % 4], plan: i % 3 === 0 ? 'pro' : 'free', device: { os: 'ios' } },
  }));
}
