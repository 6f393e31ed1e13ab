// `npm run bench`: prints one JSON line of figures. Options: --only ingest|query|tiers|auth|live|web, --seconds N
// (default 10; 30 for live), --events N (size of the query data set, default 10,000,000; it is
// generated once into .bench/), --connections N and --updates-per-second N (live: default 10,000
// connections and the server's default 4 updates a second per query).
import { parseArgs } from 'node:util';
import { benchAuth } from './auth.js';
import { benchIngest } from './ingest.js';
import { benchLive } from './live.js';
import { benchQuery } from './query.js';
import { benchTiers } from './tiers.js';
import { benchWeb } from './web.js';

const BENCHES = ['ingest', 'query', 'tiers', 'auth', 'live', 'web'];
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string' },
    events: { type: 'string', default: '10000000' },
    connections: { type: 'string', default: '10000' },
    'updates-per-second': { type: 'string' },
  },
});
if (values.only !== undefined && !BENCHES.includes(values.only)) {
  process.stderr.write(`--only takes one of ${BENCHES.join(', ')}\n`);
  process.exit(2);
}
const seconds = (fallback) => Number(values.seconds ?? fallback);
const runs = (name) => values.only === undefined || values.only === name;
const figures = { date: new Date().toISOString().slice(0, 10), cores: (await import('node:os')).availableParallelism() };
if (runs('ingest')) Object.assign(figures, { ingest: await benchIngest({ seconds: seconds(10) }) });
if (runs('query')) Object.assign(figures, { query: await benchQuery({ events: Number(values.events) }) });
if (runs('tiers')) Object.assign(figures, { tiers: await benchTiers({ events: Number(values.events), seconds: seconds(10) }) });
if (runs('auth')) Object.assign(figures, { auth: await benchAuth({ seconds: seconds(10) }) });
const updatesPerSecond = values['updates-per-second'] === undefined ? undefined : Number(values['updates-per-second']);
if (runs('live')) Object.assign(figures, { live: await benchLive({ seconds: seconds(30), connections: Number(values.connections), updatesPerSecond }) });
if (runs('web')) Object.assign(figures, { web: await benchWeb({ events: Number(values.events) }) });
process.stdout.write(`${JSON.stringify(figures)}\n`);
