// The reference for single-event ingest: a bare Fastify route that parses the same JSON body and
// answers the same shape, without validation or storage.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/events', async (request) => ({ accepted: Array.isArray(request.body) ? request.body.length : 1, duplicates: 0 }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening at http://127.0.0.1:${app.server.address().port}\n`);
