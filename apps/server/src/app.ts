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
import { createKpiService } from './features/catalog/kpis.js';
import { seedPackKpis, seedPackMetrics } from './features/catalog/seed.js';
import { createCatalogService } from './features/catalog/service.js';
import { PII_HASH_INFO, PiiHasher, PiiRules } from './features/ingest/pii.js';
import { registerIngestRoutes } from './features/ingest/routes.js';
import { createIngestService, type IngestService } from './features/ingest/service.js';
import { LiveHub } from './features/live/hub.js';
import { registerDashboardRoutes } from './features/dashboards/routes.js';
import { createDashboardService } from './features/dashboards/service.js';
import { registerLiveRoutes } from './features/live/routes.js';
import { registerWebRoutes } from './features/web/routes.js';
import { PACK_DASHBOARDS } from './features/packs/index.js';
import { registerKeyRoutes } from './features/keys/routes.js';
import { createKeyService } from './features/keys/service.js';
import { registerOpsRoutes } from './features/ops/routes.js';
import { registerPrivacyRoutes } from './features/privacy/routes.js';
import { createPrivacyService } from './features/privacy/service.js';
import { registerQueryRoutes } from './features/query/routes.js';
import { QueryResultCache } from './features/query/result-cache.js';
import { createQueryService } from './features/query/service.js';
import { registerRoleRoutes } from './features/roles/routes.js';
import { createRoleService } from './features/roles/service.js';
import { answerFrameworkError, loggerOptions, registerHardening, requestIdOf } from './features/security/http-hardening.js';
import { LoginGuard } from './features/security/login-guard.js';
import { createRateLimiter } from './features/security/rate-limiter.js';
import { secretBoxOf } from './features/security/secret-box.js';
import { registerSourceRoutes } from './features/sources/routes.js';
import { createSourceService, type SourceService } from './features/sources/service.js';
import { registerUserRoutes } from './features/users/routes.js';
import { createUserService } from './features/users/service.js';
import { createTelemetry, instrumentRequests } from './observability/telemetry.js';
import { openPlatform, type Platform } from './platform/index.js';
import { invalidatingEvents } from './platform/invalidating-events.js';
import { registerMaintenanceJobs } from './platform/maintenance.js';
import { openStores, type Stores } from './store/open.js';
import type { EventStore } from './store/types.js';

export interface AppOptions {
  /** The clock used for event-time defaults and relative query ranges (tests pin it). */
  clock?: () => number;
  /** Already opened stores (the CLI shares them); by default the app opens and owns its own. */
  stores?: Stores;
  /**
   * Prints a line for the operator, outside the JSON log (stdout): the first admin's one-time
   * password. Standard error by default.
   */
  announce?: (line: string) => void;
  /**
   * Runs scheduled jobs (rollup compaction, retention) in this app; true by default. The command
   * line's short-lived in-process app leaves them to the servers.
   */
  runJobs?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingest path, for in-process loaders such as `sightline demo` against a data dir. */
    ingest: IngestService;
    eventStore: EventStore;
    /** Signs access tokens (the command line mints its own with the same secret). */
    accessTokens: AccessTokens;
    /** The live channel's connections and topics (stats for tests and benchmarks). */
    liveHub: LiveHub;
    /** Cache, bus, jobs and rate-limit counters: shared through Redis, or in-process. */
    platform: Platform;
  }
}

/** Builds the whole HTTP application without listening, so tests can use app.inject(). */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const stores = options.stores ?? (await openStores(config));
  const telemetry = createTelemetry();

  const app = Fastify({
    // Never tokens, passwords, API keys, e-mails or property values; the route pattern, not the URL.
    logger: loggerOptions(config.logLevel),
    bodyLimit: config.maxBodyBytes,
    // A client's x-request-id only when it is safe to echo and log (requestIdOf), else a fresh one.
    requestIdHeader: false,
    genReqId: requestIdOf,
    frameworkErrors: answerFrameworkError,
    trustProxy: config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  await registerHardening(app, config);
  instrumentRequests(app, telemetry);

  // Cache, live bus, jobs and rate-limit counters: shared by every instance through Redis when
  // configured (docs/scaling.md), else in-process. Job outcomes go to `jobs:<id>` live topics.
  const platform = openPlatform(config, { log: app.log, registry: telemetry.registry, onJob: (outcome) => live.publish(`jobs:${outcome.id}`, outcome) });
  // Deletions of events drop the cached answers over them, whoever deletes.
  const events = invalidatingEvents(stores.events, platform.cache);
  // Accounts and access: who is asking (tokens, keys), what they may do, and the trail of it.
  const audit = new AuditLog(stores.audit);
  registerRequestAudit(app, audit);
  const accessTokens = new AccessTokens(signingSecret(config), config.accessTokenSeconds);
  const directory = new PrincipalDirectory(stores, config.accessTokenSeconds * 1000, Date.now);
  // Changes to users, keys, roles and sessions reach every instance's directory (docs/scaling.md).
  directory.share(platform.invalidations);
  await directory.load();
  const sessions = new Sessions(stores.sessions, accessTokens, directory, config.refreshTokenSeconds);
  const userService = createUserService({ users: stores.users, roles: stores.roles, sessions, directory });
  await ensureFirstAdmin(config, { users: stores.users, userService, audit, announce: options.announce ?? ((line) => process.stderr.write(`${line}\n`)) });
  const authenticator = new Authenticator(accessTokens, directory);
  registerGuard(app, {
    authenticator,
    limiter: createRateLimiter(config.rateLimits, platform.counters),
    metricsToken: config.metricsToken,
  });

  if (stores.created) {
    await seedPackMetrics(stores.meta);
    await seedPackKpis(stores.meta);
  }
  const catalog = createCatalogService(stores.meta, platform.invalidations);
  const kpis = createKpiService(stores.meta, catalog);
  // Sources: PII rules applied at ingest (cached in memory, kept current on every instance), secrets sealed at rest.
  const secretBox = secretBoxOf(config);
  const pii = new PiiRules(new PiiHasher(secretBox.deriveKeys(PII_HASH_INFO)));
  const sources = createSourceService({ sources: stores.sources, pii, box: secretBox, rollups: stores.events, invalidations: platform.invalidations });
  await sources.load();
  await rotateSourceSecrets(app, sources);
  const query = createQueryService({ store: events, catalog, clock, telemetry, cache: new QueryResultCache(platform.cache, config.cache, events.dialectName) });
  // The live channel: stored events reach tails and live queries; account changes reach connections.
  const live = new LiveHub({ config: config.live, authenticator, query, clock, log: app.log, bus: platform.bus, initialSeq: () => events.highestSeq() });
  directory.onChange((change) => live.principalChanged(change));
  const ingest = createIngestService({
    store: events,
    clock,
    telemetry,
    pii,
    onStored: (events, stored) => live.eventsStored(events, stored),
    onLanded: (landed) => platform.cache.invalidate(landed),
  });
  app.decorate('ingest', ingest);
  app.decorate('eventStore', events);
  app.decorate('accessTokens', accessTokens);
  app.decorate('liveHub', live);
  app.decorate('platform', platform);
  registerMaintenanceJobs({ jobs: platform.jobs, config: config.jobs, events, sources: stores.sources, clock, live, log: app.log });

  registerOpsRoutes(app, { store: events, telemetry, redisHealth: platform.redisHealth });
  registerIngestRoutes(app, { config, ingest });
  registerQueryRoutes(app, { query });
  registerCatalogRoutes(app, { catalog, kpis });
  registerDashboardRoutes(app, { dashboards: createDashboardService({ store: stores.dashboards, builtin: PACK_DASHBOARDS, query, kpis, clock, log: app.log }) });
  registerAuthRoutes(app, { users: stores.users, userService, sessions, loginGuard: new LoginGuard(config.loginGuard, platform.counters) });
  registerUserRoutes(app, { users: userService });
  registerRoleRoutes(app, { roles: createRoleService({ roles: stores.roles, users: stores.users, directory }) });
  registerKeyRoutes(app, { keys: createKeyService({ keys: stores.keys, directory }) });
  registerAuditRoutes(app, { audit });
  registerSourceRoutes(app, { sources });
  registerPrivacyRoutes(app, { privacy: createPrivacyService({ events, hasher: pii.hasher, onErased: () => live.eventsRemoved() }) });
  await registerLiveRoutes(app, { config, hub: live, telemetry });
  await registerWebRoutes(app, { webDir: config.webDir });

  // Jobs start once the app is complete, and stop before the stores close.
  if (options.runJobs !== false) app.addHook('onReady', async () => platform.jobs.start());
  // Every cache has its invalidation handlers now: reload them all once the bus subscription took.
  app.addHook('onReady', async () => platform.invalidations.start());
  app.addHook('onClose', async () => {
    await platform.close();
    await directory.close(); // writes the keys' last-used times
    // Drain the group-commit writer before the database closes: nothing acknowledged is lost.
    if (!options.stores) await stores.close();
  });
  return app;
}


/**
 * Secrets sealed under a previous key are re-encrypted under the current one at start, so that a
 * rotation is: set the new SIGHTLINE_SECRET_KEY, list the old one in SIGHTLINE_SECRET_KEYS_PREVIOUS,
 * restart, and drop the old one at a later restart.
 */
async function rotateSourceSecrets(app: FastifyInstance, sources: SourceService): Promise<void> {
  const { reencrypted, failed } = await sources.rotateSecrets();
  if (reencrypted > 0) app.log.info({ reencrypted }, 'webhook secrets re-encrypted under the current secret key');
  for (const { source, reason } of failed) {
    app.log.warn({ source, reason }, 'a webhook secret could not be opened with any configured secret key');
  }
}
