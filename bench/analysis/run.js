// `npm run bench:analysis`: the analysis engine on public benchmarks; prints ONE JSON line
// `{ date, cores, nab, m4, regression }`. The data's locations are options, defaulting to
// ../shared/data, so the same command scores any other data in the same formats:
//   --nab DIR          folder of category folders of `timestamp,value` CSVs (default ../shared/data/nab/data)
//   --windows FILE     NAB anomaly windows (default ../shared/data/nab/labels/windows.json)
//   --m4-train FILE --m4-test FILE --m4-period N
//                      one M4-format pair (label `m4`); without them, Hourly (period 24) and
//                      Weekly (period 1) from ../shared/data/m4 (labels `hourly`, `weekly`)
//   --regression FILE.csv --target COLUMN
//                      tabular regression (default ../shared/data/regression/concrete.csv,
//                      compressive_strength_mpa)
//   --out DIR          keep what was produced (detections, forecasts and bounds, predictions)
//                      and the scores (scores.json) there
//   --only nab|m4|regression
// Each part lives in its own module (nab.js, m4.js, regression.js), imported when it runs; a
// module that is missing, or that fails, is reported in its place and the others still run.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = resolve(ROOT, '../shared/data');
const PARTS = ['nab', 'm4', 'regression'];

function fail(message) {
  process.stderr.write(`bench:analysis: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      nab: { type: 'string' },
      windows: { type: 'string' },
      'm4-train': { type: 'string' },
      'm4-test': { type: 'string' },
      'm4-period': { type: 'string' },
      regression: { type: 'string' },
      target: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
    },
  }));
} catch (error) {
  fail(error.message);
}
if (values.only !== undefined && !PARTS.includes(values.only)) fail(`--only takes one of ${PARTS.join(', ')}`);
const runs = (part) => values.only === undefined || values.only === part;
// Paths given on the command line are relative to the working directory; defaults to the repo.
const given = (path) => (path === undefined ? undefined : resolve(process.cwd(), path));

const nab = { nabDir: given(values.nab) ?? join(DATA, 'nab/data'), windows: given(values.windows) ?? join(DATA, 'nab/labels/windows.json') };

const m4Given = ['m4-train', 'm4-test', 'm4-period'].filter((name) => values[name] !== undefined);
if (m4Given.length > 0 && m4Given.length < 3) fail('--m4-train, --m4-test and --m4-period go together');
let m4Pairs;
if (m4Given.length === 3) {
  const period = Number(values['m4-period']);
  if (!Number.isInteger(period) || period < 1) fail('--m4-period must be a whole number ≥ 1');
  m4Pairs = [{ label: 'm4', train: given(values['m4-train']), test: given(values['m4-test']), period }];
} else {
  m4Pairs = [
    { label: 'hourly', train: join(DATA, 'm4/hourly_train.csv'), test: join(DATA, 'm4/hourly_test.csv'), period: 24 },
    { label: 'weekly', train: join(DATA, 'm4/weekly_train.csv'), test: join(DATA, 'm4/weekly_test.csv'), period: 1 },
  ];
}

if ((values.regression === undefined) !== (values.target === undefined)) fail('--regression and --target go together');
const regression = {
  file: given(values.regression) ?? join(DATA, 'regression/concrete.csv'),
  target: values.target ?? 'compressive_strength_mpa',
};

// Fail early on a wrong path rather than after minutes of another part's work.
const inputs = [];
if (runs('nab')) inputs.push(['--nab', nab.nabDir], ['--windows', nab.windows]);
if (runs('m4')) for (const pair of m4Pairs) inputs.push(['--m4-train', pair.train], ['--m4-test', pair.test]);
if (runs('regression')) inputs.push(['--regression', regression.file]);
for (const [option, path] of inputs) if (!existsSync(path)) fail(`${option}: ${path} does not exist`);

const out = given(values.out);
if (out !== undefined) mkdirSync(out, { recursive: true });

let failed = false;

/** Imports bench/analysis/<name>.js and returns its `exported` function, or a note why not. */
async function load(name, exported) {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.js`);
  if (!existsSync(file)) return { skipped: `bench/analysis/${name}.js is not written yet` };
  try {
    const module = await import(`./${name}.js`);
    if (typeof module[exported] !== 'function') return { skipped: `bench/analysis/${name}.js does not export ${exported} yet` };
    return { run: module[exported] };
  } catch (error) {
    // Typically an algorithm the module imports is not in packages/analysis/dist yet.
    return { skipped: `bench/analysis/${name}.js could not be loaded: ${error.message}` };
  }
}

/** Runs one part; an error becomes `{ error }` in the output (and a non-zero exit code). */
async function attempt(run, args) {
  try {
    return await run(args);
  } catch (error) {
    failed = true;
    process.stderr.write(`${error.stack ?? error}\n`);
    return { error: error.message ?? String(error) };
  }
}

const figures = { date: new Date().toISOString().slice(0, 10), cores: availableParallelism() };

if (runs('nab')) {
  const module = await load('nab', 'benchNab');
  figures.nab = module.run === undefined ? { skipped: module.skipped } : await attempt(module.run, { ...nab, out });
}

if (runs('m4')) {
  const module = await load('m4', 'benchM4Pair');
  if (module.run === undefined) {
    figures.m4 = { skipped: module.skipped };
  } else {
    figures.m4 = {};
    for (const pair of m4Pairs) figures.m4[pair.label] = await attempt(module.run, { ...pair, out });
  }
}

if (runs('regression')) {
  const module = await load('regression', 'benchRegression');
  figures.regression = module.run === undefined ? { skipped: module.skipped } : await attempt(module.run, { ...regression, out });
}

const line = JSON.stringify(figures);
if (out !== undefined) writeFileSync(join(out, 'scores.json'), `${line}\n`);
process.stdout.write(`${line}\n`);
if (failed) process.exitCode = 1;
