// The demo data set of the query and web benchmarks: generated once per size into .bench/ (through
// `sightline demo`) and reused.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_ADMIN } from './credentials.js';
import { ROOT } from './processes.js';

export function dataset(events) {
  const dir = path.join(ROOT, '.bench', `demo-${events}`);
  const marker = path.join(dir, 'dataset.json');
  if (existsSync(marker)) return { dir, ...JSON.parse(readFileSync(marker, 'utf8')) };
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'apps/server/bin/sightline.js'), 'demo', '--events', String(events), '--days', '90', '--seed', '1'], {
    // The bench admin is the data set's first admin (a data set made before accounts gets it at its first bench).
    env: { ...process.env, SIGHTLINE_DATA_DIR: dir, SIGHTLINE_PORT: '9', SIGHTLINE_ADMIN_EMAIL: BENCH_ADMIN.email, SIGHTLINE_ADMIN_PASSWORD: BENCH_ADMIN.password },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error('demo load failed');
  // The demo ends at the moment it was generated; the queries look at its last 30 days.
  const info = { end: started, load_seconds: Math.round((Date.now() - started) / 100) / 10 };
  writeFileSync(marker, JSON.stringify(info));
  return { dir, ...info };
}
