import type { Random } from './random.js';
import type { Timeline } from './timeline.js';

/** One generated event, in the shape POST /v1/events takes. */
export interface DemoEvent {
  id: string;
  source: string;
  name: string;
  ts: number;
  actor?: string;
  value?: number;
  props?: Record<string, unknown>;
}

export interface DemoOptions {
  events: number;
  days: number;
  seed: number;
  /** End of the period, epoch ms: events fall in [now − days, now). */
  now: number;
}

/** An unusual stretch planted in the data, for checking detectors and dashboards against. */
export interface PlantedAnomaly {
  pack: string;
  metric: string;
  from: number;
  to: number;
  description: string;
}

export interface PackContext {
  line: Timeline;
  random: Random;
  /** Prefix of every id, so that ids are unique per source and the same for the same seed. */
  idPrefix: string;
  count: number;
  anomalies: Anomalies;
}

/** The planted anomalies, resolved to times. */
export interface Anomalies {
  revenueDrop: { from: number; to: number };
  latencySpike: { host: string; from: number; to: number };
  cpuSpike: { host: string; from: number; to: number };
  modelRelease: { model: string; version: string; at: number };
}

export interface Pack {
  name: string;
  source: string;
  /** Share of all demo events. */
  share: number;
  /**
   * Rollup dimensions its source should declare (docs/rollups.md): the props its built-in
   * dashboards and metrics group or filter by with text values, at most 3.
   */
  rollupDimensions: readonly string[];
  events(ctx: PackContext): Generator<DemoEvent>;
}
