import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { NdjsonBody, batchItems } from './parse-batch.js';
import type { IngestService } from './service.js';

export function registerIngestRoutes(app: FastifyInstance, deps: { config: Config; ingest: IngestService }): void {
  const { config, ingest } = deps;
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/ndjson', 'application/jsonl'],
    { parseAs: 'string', bodyLimit: config.maxBodyBytes },
    (_request, body, done) => done(null, new NdjsonBody(body as string)),
  );
  app.post('/v1/events', { bodyLimit: config.maxBodyBytes, config: { permission: 'events:write', rateGroup: 'ingest' } }, async (request) => {
    return ingest.ingest(batchItems(request.body, config.maxBatchEvents, config.maxJsonDepth), { access: request.principal?.access });
  });
}
