// Child processes for the benchmarks: the server under test and its reference run in their own
// processes, so the load generator in this process does not share their event loop.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverEnv } from './credentials.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');

export function startProcess(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, SIGHTLINE_PORT: '0', SIGHTLINE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (data) => {
      output += data.toString();
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/i.exec(output);
      if (match) resolve({ child, url: match[1], stop: () => stop(child) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited with ${code}: ${output}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The real server on `dataDir`, with the bench admin and generous rate limits unless `env` says otherwise. */
export function startSightline(dataDir, env = {}) {
  // Sightline logs at warn here; the listening line is printed by the bench wrapper below.
  return startProcess([path.join(ROOT, 'bench/lib/sightline-server.js')], serverEnv({ SIGHTLINE_DATA_DIR: dataDir, ...env }));
}

export function startBareFastify() {
  return startProcess([path.join(ROOT, 'bench/lib/bare-fastify.js')]);
}
