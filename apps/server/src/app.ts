import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { registerErrorHandling } from './errors.js';
import { registerCatalogRoutes } from './features/catalog/routes.js';
import { seedPackMetrics } from './features/catalog/seed.js';
import { createCatalogService } from './features/catalog/service.js';
import { registerIngestRoutes } from './features/ingest/routes.js';
import { createIngestService, type IngestService } from './features/ingest/service.js';
import { registerOpsRoutes } from './features/ops/routes.js';
import { registerQueryRoutes } from './features/query/routes.js';
import { createQueryService } from './features/query/service.js';
import { createTelemetry, instrumentRequests } from './observability/telemetry.js';
import { openStores, type Stores } from './store/open.js';
import type { EventStore } from './store/types.js';

export interface AppOptions {
  /** The clock used for event-time defaults and relative query ranges (tests pin it). */
  clock?: () => number;
  /** Already opened stores (the CLI shares them); by default the app opens and owns its own. */
  stores?: Stores;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingest path, for in-process loaders such as `sightline demo` against a data dir. */
    ingest: IngestService;
    eventStore: EventStore;
  }
}

/** Builds the whole HTTP application without listening, so tests can use app.inject(). */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const stores = options.stores ?? (await openStores(config));
  const telemetry = createTelemetry();

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Never log bodies, headers with credentials or property values.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    bodyLimit: config.maxBodyBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  instrumentRequests(app, telemetry);

  if (stores.created) await seedPackMetrics(stores.meta);
  const catalog = createCatalogService(stores.meta);
  const ingest = createIngestService({ store: stores.events, clock, telemetry });
  const query = createQueryService({ store: stores.events, catalog, clock, telemetry });
  app.decorate('ingest', ingest);
  app.decorate('eventStore', stores.events);

  registerOpsRoutes(app, { store: stores.events, telemetry });
  registerIngestRoutes(app, { config, ingest });
  registerQueryRoutes(app, { query });
  registerCatalogRoutes(app, { catalog });

  if (!options.stores) {
    // Drain the group-commit writer before the database closes: nothing acknowledged is lost.
    app.addHook('onClose', async () => stores.close());
  }
  return app;
}
