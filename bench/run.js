// `npm run bench`: prints one JSON line of figures. Options: --only ingest|query, --seconds N,
// --events N (size of the query data set, default 10,000,000; it is generated once into .bench/).
import { parseArgs } from 'node:util';
import { benchIngest } from './ingest.js';
import { benchQuery } from './query.js';

const { values } = parseArgs({
  options: { only: { type: 'string' }, seconds: { type: 'string', default: '10' }, events: { type: 'string', default: '10000000' } },
});
const figures = { date: new Date().toISOString().slice(0, 10), cores: (await import('node:os')).availableParallelism() };
if (values.only !== 'query') Object.assign(figures, { ingest: await benchIngest({ seconds: Number(values.seconds) }) });
if (values.only !== 'ingest') Object.assign(figures, { query: await benchQuery({ events: Number(values.events) }) });
process.stdout.write(`${JSON.stringify(figures)}\n`);
