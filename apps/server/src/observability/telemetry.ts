import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (its own registry, so several apps can live in one process). */
export interface Telemetry {
  registry: Registry;
  eventsIngested: Counter;
  eventsDuplicated: Counter;
  eventsRejected: Counter;
  queryDuration: Histogram<'kind' | 'outcome'>;
  /** Answers by where they came from: the result cache, rollups (at least in part), or raw events only. */
  queryAnswers: Counter<'from'>;
}

export function createTelemetry(): Telemetry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sightline_' });
  return {
    registry,
    eventsIngested: new Counter({
      name: 'sightline_events_ingested_total',
      help: 'Events stored (duplicates not counted).',
      registers: [registry],
    }),
    eventsDuplicated: new Counter({
      name: 'sightline_events_duplicates_total',
      help: 'Events acknowledged as duplicates of a stored (source, id).',
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'sightline_events_rejected_total',
      help: 'Events in batches rejected for invalid events.',
      registers: [registry],
    }),
    queryDuration: new Histogram({
      name: 'sightline_query_duration_seconds',
      help: 'Time to answer a query, by kind and outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queryAnswers: new Counter({
      name: 'sightline_query_answers_total',
      help: 'Query answers by where they came from: cache, rollup (rollups answered at least part), raw.',
      labelNames: ['from'],
      registers: [registry],
    }),
  };
}

/** Request counts and latency histograms by route, recorded for every answered request. */
export function instrumentRequests(app: FastifyInstance, telemetry: Telemetry): void {
  const requests = new Counter({
    name: 'sightline_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [telemetry.registry],
  });
  const duration = new Histogram({
    name: 'sightline_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [telemetry.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: unbounded label values would grow the registry forever.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
