import { Type, type Static } from 'typebox';
import type { Filter, MetricUnit, Query, Range } from './query.js';

// Dashboards and KPIs (SPEC.md §1 "Dashboard", "KPI"; §2). Request bodies are schemas (validated by
// the server, unknown fields refused); a panel's `query` is checked by the query engine, so that its
// errors carry the same paths as POST /v1/query's, under `/panels/<i>/query`.

export const CHART_KINDS = ['line', 'area', 'bar', 'stacked_bar', 'pie', 'donut', 'scatter', 'funnel', 'gauge', 'kpi', 'table', 'heatmap'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export const DASHBOARD_THEMES = ['system', 'light', 'dark'] as const;
export type DashboardTheme = (typeof DASHBOARD_THEMES)[number];

export const KPI_DIRECTIONS = ['higher', 'lower'] as const;
export type KpiDirection = (typeof KPI_DIRECTIONS)[number];

export const DASHBOARD_LIMITS = {
  titleLength: 200,
  descriptionLength: 2000,
  panels: 50,
  /** Layout grid: 12 columns; rows of 40 px. */
  columns: 12,
  maxRows: 1000,
  filters: 20,
} as const;

/** `[A-Za-z0-9_-]{1,64}`: a panel id is part of the live topic `query:<dashboard>/<panel>`. */
export const PANEL_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Dashboard ids: built-in ones are `<pack>` names (`commerce`), stored ones random. */
export const DASHBOARD_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const KPI_NAME_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

export const PanelLayout = Type.Object(
  {
    x: Type.Integer({ minimum: 0, maximum: DASHBOARD_LIMITS.columns - 1 }),
    y: Type.Integer({ minimum: 0, maximum: DASHBOARD_LIMITS.maxRows }),
    w: Type.Integer({ minimum: 1, maximum: DASHBOARD_LIMITS.columns }),
    h: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type PanelLayout = Static<typeof PanelLayout>;

/** How a panel is drawn, beyond its kind. All optional. */
export const PanelOptions = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    /** A KPI (GET /v1/kpis) whose target and thresholds colour a `kpi` or `gauge` panel. */
    kpi: Type.Optional(Type.String({ pattern: KPI_NAME_PATTERN })),
    unit: Type.Optional(Type.String({ maxLength: 16 })),
    /** Gauge scale. */
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    /** Threshold lines / colours when no KPI is named. */
    thresholds: Type.Optional(
      Type.Object(
        {
          direction: Type.Optional(Type.Union([Type.Literal('higher'), Type.Literal('lower')])),
          warning: Type.Optional(Type.Number()),
          critical: Type.Optional(Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Pie: a ring instead of a disc (the `donut` kind sets it too). */
    donut: Type.Optional(Type.Boolean()),
    /** Which measure a single-value panel (kpi, gauge) shows; default the first. */
    measure: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type PanelOptions = Static<typeof PanelOptions>;

export const Panel = Type.Object(
  {
    id: Type.String({ pattern: PANEL_ID_PATTERN }),
    title: Type.String({ maxLength: DASHBOARD_LIMITS.titleLength }),
    chart: Type.Union([
      Type.Literal('line'), Type.Literal('area'), Type.Literal('bar'), Type.Literal('stacked_bar'), Type.Literal('pie'), Type.Literal('donut'),
      Type.Literal('scatter'), Type.Literal('funnel'), Type.Literal('gauge'), Type.Literal('kpi'), Type.Literal('table'), Type.Literal('heatmap'),
    ]),
    /** A query of POST /v1/query; checked by the query engine. */
    query: Type.Record(Type.String(), Type.Unknown()),
    layout: PanelLayout,
    options: Type.Optional(PanelOptions),
  },
  { additionalProperties: false },
);

const FilterSchema = Type.Object(
  { field: Type.String({ maxLength: 600 }), op: Type.String({ maxLength: 16 }), value: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);

/** POST /v1/dashboards and PUT /v1/dashboards/:id (a PUT replaces the whole dashboard). */
export const DashboardBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: DASHBOARD_LIMITS.titleLength }),
    description: Type.Optional(Type.String({ maxLength: DASHBOARD_LIMITS.descriptionLength })),
    panels: Type.Array(Panel, { maxItems: DASHBOARD_LIMITS.panels }),
    theme: Type.Optional(Type.Union([Type.Literal('system'), Type.Literal('light'), Type.Literal('dark')])),
    live: Type.Optional(Type.Boolean()),
    /** The time range and zone the dashboard opens with; panels without their own range use it. */
    range: Type.Optional(Type.Union([
      Type.Object({ last: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
      Type.Object({ from: Type.String({ maxLength: 40 }), to: Type.String({ maxLength: 40 }) }, { additionalProperties: false }),
    ])),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    /** Filters applied to every panel (query-language filters). */
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: DASHBOARD_LIMITS.filters })),
  },
  { additionalProperties: false },
);
export type DashboardBody = Static<typeof DashboardBody>;

export interface DashboardPanel {
  id: string;
  title: string;
  chart: ChartKind;
  query: Query;
  layout: PanelLayout;
  options?: PanelOptions;
}

/** A dashboard as the API answers it. */
export interface Dashboard {
  id: string;
  title: string;
  description?: string;
  panels: DashboardPanel[];
  theme: DashboardTheme;
  live: boolean;
  range?: Range;
  timezone?: string;
  filters?: Filter[];
  /** The pack a built-in dashboard comes from; built-in dashboards are read-only (duplicate to edit). */
  pack?: string;
  builtin: boolean;
  created_by?: string;
  created_at: string;
  updated_at: string;
}

/** GET /v1/dashboards: the list, without panels. */
export interface DashboardSummary {
  id: string;
  title: string;
  description?: string;
  pack?: string;
  builtin: boolean;
  panels: number;
  updated_at: string;
}

/**
 * GET /v1/dashboards/:id/data: every panel's answer, or its problem, so that one failing panel
 * never blanks the rest. Query string: `range` (`30d`, or `<from>/<to>` ISO), `timezone`, `filters`
 * (JSON list of filters), all optional and overriding the dashboard's own.
 */
export interface DashboardData {
  panels: Record<string, { columns: Array<{ name: string; type: string }>; rows: unknown[][]; meta: { took_ms: number; cached: boolean } } | { error: { code: string; title: string; status: number; detail?: string } }>;
}

/** PUT /v1/kpis/:name. */
export const KpiBody = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: KPI_NAME_PATTERN })),
    /** A catalog metric's name. */
    metric: Type.String({ pattern: KPI_NAME_PATTERN }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    direction: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
    target: Type.Optional(Type.Number()),
    /** On the bad side of `warning` the KPI is amber, of `critical` red (per `direction`). */
    warning: Type.Optional(Type.Number()),
    critical: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type KpiBody = Static<typeof KpiBody>;

export interface Kpi {
  name: string;
  metric: string;
  description?: string;
  direction: KpiDirection;
  target?: number;
  warning?: number;
  critical?: number;
  unit?: MetricUnit;
  pack?: string;
}
