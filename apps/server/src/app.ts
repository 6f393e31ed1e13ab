import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { registerErrorHandling } from './errors.js';
import { AuditLog } from './features/audit/audit-log.js';
import { registerRequestAudit } from './features/audit/request-audit.js';
import { registerAuditRoutes } from './features/audit/routes.js';
import { AccessTokens } from './features/auth/access-tokens.js';
import { Authenticator } from './features/auth/authenticator.js';
import { PrincipalDirectory } from './features/auth/directory.js';
import { ensureFirstAdmin } from './features/auth/first-admin.js';
import { registerGuard } from './features/auth/guard.js';
import { registerAuthRoutes } from './features/auth/routes.js';
import { Sessions } from './features/auth/sessions.js';
import { signingSecret } from './features/auth/signing-secret.js';
import { registerCatalogRoutes } from './features/catalog/routes.js';
import { seedPackMetrics } from './features/catalog/seed.js';
import { createCatalogService } from './features/catalog/service.js';
import { registerIngestRoutes } from './features/ingest/routes.js';
import { createIngestService, type IngestService } from './features/ingest/service.js';
import { registerKeyRoutes } from './features/keys/routes.js';
import { createKeyService } from './features/keys/service.js';
import { registerOpsRoutes } from './features/ops/routes.js';
import { registerQueryRoutes } from './features/query/routes.js';
import { createQueryService } from './features/query/service.js';
import { registerRoleRoutes } from './features/roles/routes.js';
import { createRoleService } from './features/roles/service.js';
import { LoginGuard } from './features/security/login-guard.js';
import { createRateLimiter } from './features/security/rate-limiter.js';
import { registerUserRoutes } from './features/users/routes.js';
import { createUserService } from './features/users/service.js';
import { createTelemetry, instrumentRequests } from './observability/telemetry.js';
import { openStores, type Stores } from './store/open.js';
import type { EventStore } from './store/types.js';

export interface AppOptions {
  /** The clock used for event-time defaults and relative query ranges (tests pin it). */
  clock?: () => number;
  /** Already opened stores (the CLI shares them); by default the app opens and owns its own. */
  stores?: Stores;
  /** Prints a line for the operator, outside the log (the first admin's one-time password). */
  announce?: (line: string) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingest path, for in-process loaders such as `sightline demo` against a data dir. */
    ingest: IngestService;
    eventStore: EventStore;
    /** Signs access tokens (the command line mints its own with the same secret). */
    accessTokens: AccessTokens;
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
    trustProxy: config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  instrumentRequests(app, telemetry);

  // Accounts and access: who is asking (tokens, keys), what they may do, and the trail of it.
  const audit = new AuditLog(stores.audit);
  registerRequestAudit(app, audit);
  const accessTokens = new AccessTokens(signingSecret(config), config.accessTokenSeconds);
  const directory = new PrincipalDirectory(stores, config.accessTokenSeconds * 1000, Date.now);
  await directory.load();
  const sessions = new Sessions(stores.sessions, accessTokens, directory, config.refreshTokenSeconds);
  const userService = createUserService({ users: stores.users, roles: stores.roles, sessions, directory });
  await ensureFirstAdmin(config, { users: stores.users, userService, audit, announce: options.announce ?? ((line) => process.stdout.write(`${line}\n`)) });
  registerGuard(app, {
    authenticator: new Authenticator(accessTokens, directory),
    limiter: createRateLimiter(config.rateLimits),
    metricsToken: config.metricsToken,
  });

  if (stores.created) await seedPackMetrics(stores.meta);
  const catalog = createCatalogService(stores.meta);
  const ingest = createIngestService({ store: stores.events, clock, telemetry });
  const query = createQueryService({ store: stores.events, catalog, clock, telemetry });
  app.decorate('ingest', ingest);
  app.decorate('eventStore', stores.events);
  app.decorate('accessTokens', accessTokens);

  registerOpsRoutes(app, { store: stores.events, telemetry });
  registerIngestRoutes(app, { config, ingest });
  registerQueryRoutes(app, { query });
  registerCatalogRoutes(app, { catalog });
  registerAuthRoutes(app, { users: stores.users, userService, sessions, loginGuard: new LoginGuard(config.loginGuard) });
  registerUserRoutes(app, { users: userService });
  registerRoleRoutes(app, { roles: createRoleService({ roles: stores.roles, users: stores.users, directory }) });
  registerKeyRoutes(app, { keys: createKeyService({ keys: stores.keys, directory }) });
  registerAuditRoutes(app, { audit });

  app.addHook('onClose', async () => {
    await directory.close(); // writes the keys' last-used times
    // Drain the group-commit writer before the database closes: nothing acknowledged is lost.
    if (!options.stores) await stores.close();
  });
  return app;
}
