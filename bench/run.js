// `npm run bench`: prints one JSON line of figures. Options: --only ingest|query|auth, --seconds N,
// --events N (size of the query data set, default 10,000,000; it is generated once into .bench/).
import { parseArgs } from 'node:util';
import { benchAuth } from './auth.js';
import { benchIngest } from './ingest.js';
import { benchQuery } from './query.js';

const BENCHES = ['ingest', 'query', 'auth'];
const { values } = parseArgs({
  options: { only: { type: 'string' }, seconds: { type: 'string', default: '10' }, events: { type: 'string', default: '10000000' } },
});
if (values.only !== undefined && !BENCHES.includes(values.only)) {
  process.stderr.write(`--only takes one of ${BENCHES.join(', ')}\n`);
  process.exit(2);
}
const runs = (name) => values.only === undefined || values.only === name;
const figures = { date: new Date().toISOString().slice(0, 10), cores: (await import('node:os')).availableParallelism() };
if (runs('ingest')) Object.assign(figures, { ingest: await benchIngest({ seconds: Number(values.seconds) }) });
if (runs('query')) Object.assign(figures, { query: await benchQuery({ events: Number(values.events) }) });
if (runs('auth')) Object.assign(figures, { auth: await benchAuth({ seconds: Number(values.seconds) }) });
process.stdout.write(`${JSON.stringify(figures)}\n`);
