// Runs one load (lib/load.js) in a process of its own and prints its figures as one JSON line, so
// that a heavy load generator does not share an event loop with the client being measured.
// Usage: node bench/lib/load-process.js '<options of load() as JSON>'
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { load } from './load.js';

/** Spawns this file with `options` and resolves with the figures it prints. */
export function loadInProcess(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`load process exited with ${code}`))));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await load(JSON.parse(process.argv[2])))}\n`);
}
