import type { Random } from './random.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The demo period: `days` days ending at `now`, cut into hours. */
export interface Timeline {
  start: number;
  end: number;
  hours: number;
}

export function timeline(now: number, days: number): Timeline {
  return { start: now - days * DAY, end: now, hours: Math.ceil((days * DAY) / HOUR) };
}

/** Human activity through the day (UTC): quiet at night, peaks late morning and evening. */
export function dailyShape(hourOfDay: number): number {
  const morning = Math.exp(-((hourOfDay - 11) ** 2) / 8);
  const evening = Math.exp(-((hourOfDay - 20) ** 2) / 6);
  return 0.12 + morning + 0.8 * evening;
}

/** Weekdays busy, weekends quiet (work) or a little busier (shopping), by `weekend` factor. */
export function weeklyShape(dayOfWeek: number, weekend: number): number {
  return dayOfWeek === 0 || dayOfWeek === 6 ? weekend : 1;
}

/**
 * Splits `total` events over the hours of the timeline in proportion to `weight(hourStart)`, exactly
 * (largest-remainder rounding keeps the sum equal to `total`).
 */
export function allocate(line: Timeline, total: number, weight: (hourStart: number) => number): number[] {
  const weights = new Array<number>(line.hours);
  let sum = 0;
  for (let h = 0; h < line.hours; h++) {
    const w = Math.max(0, weight(line.start + h * HOUR));
    weights[h] = w;
    sum += w;
  }
  const counts = new Array<number>(line.hours);
  const remainders: [number, number][] = [];
  let assigned = 0;
  for (let h = 0; h < line.hours; h++) {
    const exact = sum === 0 ? total / line.hours : (weights[h]! / sum) * total;
    counts[h] = Math.floor(exact);
    assigned += counts[h]!;
    remainders.push([exact - counts[h]!, h]);
  }
  remainders.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; assigned < total; i++, assigned++) counts[remainders[i % remainders.length]![1]]!++;
  return counts;
}

/** A time inside the hour starting at `hourStart`, never at or past `end`. */
export function timeInHour(random: Random, hourStart: number, end: number): number {
  return Math.min(end - 1, hourStart + Math.floor(random.next() * HOUR));
}

/** Growth over the period: the last day is `factor` times the first. */
export function trend(line: Timeline, at: number, factor: number): number {
  return 1 + (factor - 1) * ((at - line.start) / (line.end - line.start));
}
