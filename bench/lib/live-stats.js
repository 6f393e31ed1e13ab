// Small helpers of the live bench: percentiles, wall-clock time comparable across processes, and
// the CPU and memory of a process read from /proc.
import { readFileSync } from 'node:fs';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. `performance.timeOrigin` is taken from
 * the system clock when the process starts, so the values of two processes on one machine compare.
 */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Nearest-rank percentile of an ascending array; `Infinity` (a value that never came) stays `null`. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return Number.isFinite(value) ? round(value) : null;
}

export const round = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** p50 / p95 / p99 / max of a list of milliseconds, as `{ p50_ms, … }` under `prefix`. */
export function summary(values, prefix) {
  const sorted = Float64Array.from(values).sort();
  return {
    [`${prefix}_p50_ms`]: percentile(sorted, 50),
    [`${prefix}_p95_ms`]: percentile(sorted, 95),
    [`${prefix}_p99_ms`]: percentile(sorted, 99),
    [`${prefix}_max_ms`]: sorted.length === 0 ? null : Number.isFinite(sorted[sorted.length - 1]) ? round(sorted[sorted.length - 1]) : null,
  };
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux/x86-64

/** CPU time (ms, user + system, all threads) and resident memory (bytes) of a process, or undefined once it is gone. */
export function processSample(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return { at: performance.now(), cpuMs, rss: rssKiB * 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Samples some processes every `intervalMs`: peak RSS, and the CPU used (as % of one core) between
 * two marks. `mark(name)` records the CPU time of each process at that moment; `cpuBetween(a, b)`
 * gives the mean CPU between two marks.
 */
export class ProcessSampler {
  constructor(pids, intervalMs = 1000) {
    this.pids = pids; // { name: pid }
    this.peakRss = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
    this.peakCpu = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
    this.marks = new Map();
    this.last = {};
    this.peakWindow = false;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample() {
    const samples = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = processSample(pid);
      if (!s) continue;
      samples[name] = s;
      this.peakRss[name] = Math.max(this.peakRss[name], s.rss);
      const previous = this.last[name];
      if (previous && this.peakWindow && s.at - previous.at > 500) {
        this.peakCpu[name] = Math.max(this.peakCpu[name], ((s.cpuMs - previous.cpuMs) / (s.at - previous.at)) * 100);
      }
      this.last[name] = s;
    }
    return samples;
  }

  /** Adds a process to sample from now on. */
  add(name, pid) {
    this.pids[name] = pid;
    this.peakRss[name] ??= 0;
    this.peakCpu[name] ??= 0;
  }

  mark(label) {
    this.marks.set(label, this.sample());
  }

  /** Mean CPU of `name` between two marks, % of one core. */
  cpuBetween(name, from, to) {
    const a = this.marks.get(from)?.[name];
    const b = this.marks.get(to)?.[name];
    if (!a || !b || b.at <= a.at) return null;
    return round(((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100, 1);
  }

  rssAt(name, label) {
    const s = this.marks.get(label)?.[name];
    return s ? mib(s.rss) : null;
  }

  stop() {
    clearInterval(this.timer);
  }
}

export const mib = (bytes) => Math.round(bytes / (1024 * 1024));
