import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { EventStore } from '../../store/types.js';

export type DependencyState = 'up' | 'down';

export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { store: EventStore; telemetry: Telemetry; redisHealth?: () => Promise<DependencyState | 'off'> },
): void {
  const { store, telemetry } = deps;
  const redisHealth = deps.redisHealth ?? (async () => 'off' as const);
  app.get('/health', { config: { permission: 'public' } }, async () => ({ status: 'ok' }));
  // Each dependency's state. Without the database nothing can be answered (503, the load balancer
  // stops sending traffic); without Redis everything still works, unshared (200, degraded).
  app.get('/ready', { config: { permission: 'public' } }, async (request) => {
    const [database, redis] = await Promise.all([
      store.ping().then(
        () => 'up' as const,
        (error: unknown) => {
          request.log.warn({ err: error }, 'store not reachable');
          return 'down' as const;
        },
      ),
      redisHealth(),
    ]);
    if (database === 'down') {
      throw new AppError('not_ready', { detail: `The event store is not reachable (redis: ${redis})` });
    }
    return { status: redis === 'down' ? 'degraded' : 'ready', checks: { database, redis } };
  });
  app.get('/metrics', { config: { permission: 'metrics:scrape' } }, async (_request, reply) => {
    reply.type(telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });
}
