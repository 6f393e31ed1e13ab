// Starts the real Sightline server (as `sightline start` does) and prints its address, for benchmarks.
import { loadConfig } from '../../apps/server/dist/config.js';
import { startServer } from '../../apps/server/dist/main.js';

const app = await startServer(loadConfig());
const address = app.server.address();
process.stdout.write(`listening at http://127.0.0.1:${address.port}\n`);
