// NAB benchmark: runs the causal anomaly detector over every `timestamp,value` CSV under nabDir
// (category folders), writes the flagged timestamps as `file,timestamp`, scores them with NAB's
// reference scorer (../shared/tools/nab_score.py) and measures the detector's speed in the same run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDetector } from '../../packages/analysis/dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCORER = resolve(ROOT, '../shared/tools/nab_score.py');

/** Every `category/name.csv` under dir, sorted, with its rows parsed (timestamps as UTC ms). */
export function loadNab(nabDir) {
  const series = [];
  for (const category of readdirSync(nabDir).sort()) {
    const folder = join(nabDir, category);
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.csv')).sort()) {
      const lines = readFileSync(join(folder, name), 'utf8').split('\n');
      const header = lines[0].split(',').map((h) => h.trim());
      const ti = header.indexOf('timestamp');
      const vi = header.indexOf('value');
      const stamps = [];
      const times = [];
      const values = [];
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i].trim();
        if (line === '') continue;
        const cells = line.split(',');
        stamps.push(cells[ti]);
        times.push(Date.parse(`${cells[ti].replace(' ', 'T')}Z`));
        values.push(Number(cells[vi]));
      }
      series.push({ file: `${category}/${name}`, stamps, times, values });
    }
  }
  return series;
}

/** Runs a fresh detector over each series; returns the flagged row indices per series and the time. */
export function runDetector(series, options = {}) {
  const flagged = [];
  const started = process.hrtime.bigint();
  for (const s of series) {
    const detector = createDetector(options);
    const rows = [];
    // NAB timestamps may step back (clock changes); keep the detector's clock monotone.
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < s.values.length; i++) {
      last = Math.max(last, s.times[i]);
      if (detector.update(last, s.values[i]).anomaly) rows.push(i);
    }
    flagged.push(rows);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { flagged, seconds };
}

export async function benchNab({
  nabDir = resolve(ROOT, '../shared/data/nab/data'),
  windows = resolve(ROOT, '../shared/data/nab/labels/windows.json'),
  out,
  options = {},
} = {}) {
  const series = loadNab(nabDir);
  const points = series.reduce((n, s) => n + s.values.length, 0);
  // Warm the JIT once, then time three runs and keep the median (the machine may be shared); the
  // detector is deterministic, so every run flags the same rows.
  runDetector(series, options);
  const runs = [0, 1, 2].map(() => runDetector(series, options));
  const { flagged } = runs[0];
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b)[1];
  const lines = ['file,timestamp'];
  series.forEach((s, k) => { for (const i of flagged[k]) lines.push(`${s.file},${s.stamps[i]}`); });
  const dir = out === undefined ? mkdtempSync(join(tmpdir(), 'nab-')) : resolve(out);
  mkdirSync(dir, { recursive: true });
  const detections = join(dir, 'nab_detections.csv');
  const scores = join(dir, 'nab_scores.json');
  writeFileSync(detections, `${lines.join('\n')}\n`);
  execFileSync('python3', [SCORER, detections, '--data-dir', resolve(nabDir), '--windows', resolve(windows), '--json', scores, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const scored = JSON.parse(readFileSync(scores, 'utf8'));
  if (out === undefined) rmSync(dir, { recursive: true, force: true });
  const round = (x, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
  const nab = scored.summary.nab;
  return {
    series: series.length,
    points,
    standard: round(nab.standard.normalized),
    lowFP: round(nab.reward_low_FP_rate.normalized),
    lowFN: round(nab.reward_low_FN_rate.normalized),
    windows: scored.summary.windows,
    windowsDetected: scored.summary.windows_detected,
    detections: Object.fromEntries(series.map((s, k) => [s.file, flagged[k].length])),
    perSeriesStandard: Object.fromEntries(scored.series.map((r) => [r.file, round(r.nab.standard.normalized, 1)])),
    pointsPerSecond: Math.round(points / seconds),
    settings: 'defaults of createDetector (DEFAULT_DETECTOR_OPTIONS)',
  };
}
