// M4 forecasting bench: forecasts every series of a wide train/test pair, writes the forecasts and
// 95 % bounds in the M4 wide format, scores them with the shared reference scorer
// (../shared/tools/m4_baselines.py) and measures the speed of one forecast of a 1,000-point series.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forecast } from '../../packages/analysis/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SCORER = resolve(here, '../../../shared/tools/m4_baselines.py');

/** Wide M4 CSV → [{ id, values }]; rows have different lengths (trailing empty cells). */
function readWide(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(1).map((line) => {
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, '').trim());
    return { id: cells[0], values: cells.slice(1).filter((c) => c !== '').map(Number) };
  });
}

function writeWide(path, rows, h) {
  const header = ['id', ...Array.from({ length: h }, (_, k) => `F${k + 1}`)].join(',');
  const body = rows.map(({ id, values }) => [id, ...values.map((v) => v.toFixed(6))].join(','));
  writeFileSync(path, `${[header, ...body].join('\n')}\n`);
}

/**
 * Seasonal period candidates for the forecaster from the scorer's period and the horizon, by the
 * M4 conventions (the scorer uses m = 1 for Weekly, but weekly data may have a yearly cycle).
 */
function periodCandidates(period, horizon) {
  if (period === 24) return [24, 168];
  if (period === 1 && horizon === 13) return [52];
  if (period === 1 && horizon === 14) return [7];
  return period > 1 ? [period] : [];
}

function parseScorer(text) {
  const rows = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^(\w+)\s+sMAPE=([\d.]+)\s+MASE=([\d.]+)\s+OWA=([\d.]+)(.*)$/);
    if (!m) continue;
    const row = { smape: Number(m[2]), mase: Number(m[3]), owa: Number(m[4]) };
    for (const [, k, v] of m[5].matchAll(/(\w+)=([\d.]+)/g)) row[k.toLowerCase()] = Number(v);
    rows[m[1]] = row;
  }
  return rows;
}

/** Median ms per forecast of a 1,000-point hourly-like series (daily + weekly cycle, trend, noise). */
function speed(period, horizon, options) {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const series = Array.from({ length: 1000 }, (_, t) => 100 + 0.02 * t + 20 * Math.sin((2 * Math.PI * t) / 24) + 8 * Math.sin((2 * Math.PI * t) / 168) + 5 * (rand() - 0.5));
  const times = [];
  for (let i = 0; i < 12; i++) {
    const start = performance.now();
    forecast(series, { horizon, ...options });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export async function benchM4Pair({ train, test, period, label, out, options = {} }) {
  const dir = out ?? mkdtempSync(join(tmpdir(), 'sightline-m4-'));
  const trainRows = readWide(train);
  const testRows = new Map(readWide(test).map((r) => [r.id, r.values]));
  const horizon = testRows.values().next().value.length;
  const periods = periodCandidates(period, horizon);
  const fopts = { period: periods[0], periods: periods.slice(1), ...options };
  const means = [];
  const lowers = [];
  const uppers = [];
  const models = {};
  const started = performance.now();
  for (const { id, values } of trainRows) {
    if (!testRows.has(id)) continue;
    const f = forecast(values, { horizon, ...fopts, backtestOrigins: options.backtestOrigins ?? 3 });
    means.push({ id, values: f.mean });
    lowers.push({ id, values: f.lower95 });
    uppers.push({ id, values: f.upper95 });
    models[f.model] = (models[f.model] ?? 0) + 1;
  }
  const elapsed = performance.now() - started;
  const files = ['forecast', 'lower', 'upper'].map((k) => join(dir, `${label}_${k}.csv`));
  writeWide(files[0], means, horizon);
  writeWide(files[1], lowers, horizon);
  writeWide(files[2], uppers, horizon);
  const text = execFileSync('python3', [SCORER, train, test, String(period), '--score', files[0], '--lower', files[1], '--upper', files[2]], { encoding: 'utf8' });
  const rows = parseScorer(text);
  const s = rows.submitted;
  return {
    label,
    series: means.length,
    horizon,
    smape: s.smape,
    mase: s.mase,
    owa: s.owa,
    msis: s.msis,
    coverage95: s.coverage,
    naive2: rows.Naive2,
    snaive: rows.sNaive,
    smapeVsSnaive: 1 - s.smape / rows.sNaive.smape,
    maseVsSnaive: 1 - s.mase / rows.sNaive.mase,
    models,
    msPerSeries: elapsed / means.length,
    msPerForecast1000: speed(period, horizon, fopts),
    out: dir,
  };
}
