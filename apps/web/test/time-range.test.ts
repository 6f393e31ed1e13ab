import { describe, expect, it } from 'vitest';
import { isoToLocalInput, localInputToIso, validateCustomRange } from '../src/features/dashboards/time-range';

// Custom ranges are typed as wall-clock times of the dashboard's zone, not of the browser's.
describe('custom times in the dashboard’s zone', () => {
  it('reads a wall time in the zone, with its offset of the day', () => {
    expect(localInputToIso('2026-07-01T09:30', 'Europe/Berlin')).toBe('2026-07-01T07:30:00.000Z');
    expect(localInputToIso('2026-01-15T09:30', 'Europe/Berlin')).toBe('2026-01-15T08:30:00.000Z');
    expect(localInputToIso('2026-01-15T09:30', 'Asia/Kolkata')).toBe('2026-01-15T04:00:00.000Z');
    expect(localInputToIso('2026-01-15T09:30', 'UTC')).toBe('2026-01-15T09:30:00.000Z');
    expect(localInputToIso('2026-01-15T09:30', 'America/Santiago')).toBe('2026-01-15T12:30:00.000Z');
  });

  it('takes the first of a wall time that happens twice, and moves one that never happens by the gap', () => {
    // Berlin, 2026-10-25: 02:30 happens at +02:00 and again at +01:00.
    expect(localInputToIso('2026-10-25T02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
    // Berlin, 2026-03-29: clocks jump from 02:00 to 03:00; 02:30 does not exist.
    const skipped = localInputToIso('2026-03-29T02:30', 'Europe/Berlin')!;
    expect(isoToLocalInput(skipped, 'Europe/Berlin')).toBe('2026-03-29T03:30');
  });

  it('round-trips every quarter hour of a year in zones with odd offsets and DST', () => {
    for (const zone of ['Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'UTC']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 15 * 60_000 * 97) {
        const input = isoToLocalInput(new Date(t).toISOString(), zone);
        const back = localInputToIso(input, zone)!;
        // Back to the same instant, except in the second pass of a repeated wall time (then the first).
        expect(isoToLocalInput(back, zone), `${zone} ${new Date(t).toISOString()}`).toBe(input);
        expect(Date.parse(back)).toBeLessThanOrEqual(t);
      }
    }
  });

  it('checks the order in the zone', () => {
    expect(validateCustomRange('2026-01-02T00:00', '2026-01-01T00:00', 'Asia/Kolkata')).toEqual({ error: expect.any(String) });
    expect(validateCustomRange('2026-01-01T00:00', '2026-01-02T00:00', 'Asia/Kolkata')).toEqual({ range: { from: '2025-12-31T18:30:00.000Z', to: '2026-01-01T18:30:00.000Z' } });
    expect(validateCustomRange('', '2026-01-02T00:00')).toEqual({ error: expect.any(String) });
  });
});
