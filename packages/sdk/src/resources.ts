import type { Dashboard, DashboardBody, DashboardData, DashboardSummary, Kpi, MetricDefinition, TokenAnswer } from '@sightline/protocol';
import type { HttpClient } from './http.js';

const enc = encodeURIComponent;

/** Who the credentials belong to (GET /v1/auth/me). */
export interface Me {
  kind: 'user' | 'key' | 'cli';
  id?: string;
  email?: string;
  role?: string;
  name?: string;
  must_change_password?: boolean;
  /** The route permissions of the principal (`dashboards:write`, …), for showing only what it may do. */
  permissions: string[];
}

/** A source as GET /v1/sources lists it. */
export interface SourceSummary {
  name: string;
  description: string;
  retention_days: number | null;
}

/** Overrides for GET /v1/dashboards/:id/data. */
export interface DashboardDataOptions {
  /** `30d`, or `{from, to}` ISO-8601. */
  range?: string | { from: string; to: string };
  timezone?: string;
  filters?: unknown[];
  signal?: AbortSignal;
}

/** The body that stores `dashboard` again (for `update` or `create`): its answer without the read-only fields. */
export function dashboardBody(dashboard: Dashboard): DashboardBody {
  return {
    title: dashboard.title,
    // A stored panel query is a query-language object; the body schema takes it as a record.
    panels: dashboard.panels.map((p) => ({ ...p, query: p.query as unknown as Record<string, unknown> })),
    theme: dashboard.theme,
    live: dashboard.live,
    ...(dashboard.description !== undefined ? { description: dashboard.description } : {}),
    ...(dashboard.range !== undefined ? { range: dashboard.range } : {}),
    ...(dashboard.timezone !== undefined ? { timezone: dashboard.timezone } : {}),
    ...(dashboard.filters !== undefined ? { filters: dashboard.filters } : {}),
  };
}

/** Dashboards (`/v1/dashboards`). Built-in dashboards are read-only: duplicate one to change it. */
export class DashboardsApi {
  constructor(private readonly http: HttpClient) {}

  async list(signal?: AbortSignal): Promise<DashboardSummary[]> {
    return (await this.http.get<{ dashboards: DashboardSummary[] }>('/v1/dashboards', signal)).dashboards;
  }

  get(id: string, signal?: AbortSignal): Promise<Dashboard> {
    return this.http.get<Dashboard>(`/v1/dashboards/${enc(id)}`, signal);
  }

  create(body: DashboardBody): Promise<Dashboard> {
    return this.http.post<Dashboard>('/v1/dashboards', body);
  }

  /** Replaces the whole dashboard. */
  update(id: string, body: DashboardBody): Promise<Dashboard> {
    return this.http.request<Dashboard>('PUT', `/v1/dashboards/${enc(id)}`, body);
  }

  async remove(id: string): Promise<void> {
    await this.http.request<undefined>('DELETE', `/v1/dashboards/${enc(id)}`, undefined);
  }

  /** A copy (of a built-in one too) that the caller may edit, titled `title` or "<title> (copy)". */
  async duplicate(id: string, title?: string): Promise<Dashboard> {
    const source = await this.get(id);
    return this.create({ ...dashboardBody(source), title: title ?? `${source.title} (copy)`.slice(0, 200) });
  }

  /** Every panel's answer (or its own error), with the dashboard's range, zone and filters or these overrides. */
  data(id: string, options: DashboardDataOptions = {}): Promise<DashboardData> {
    const params = new URLSearchParams();
    if (options.range !== undefined) params.set('range', typeof options.range === 'string' ? options.range : `${options.range.from}/${options.range.to}`);
    if (options.timezone !== undefined) params.set('timezone', options.timezone);
    // An empty list is sent too: it means "none of the dashboard's own filters".
    if (options.filters !== undefined) params.set('filters', JSON.stringify(options.filters));
    const qs = params.toString();
    return this.http.get<DashboardData>(`/v1/dashboards/${enc(id)}/data${qs ? `?${qs}` : ''}`, options.signal);
  }
}

/** The catalog: metrics, KPIs, sources (read side). */
export class CatalogApi {
  constructor(private readonly http: HttpClient) {}

  async metrics(signal?: AbortSignal): Promise<MetricDefinition[]> {
    return (await this.http.get<{ metrics: MetricDefinition[] }>('/v1/metrics', signal)).metrics;
  }

  async kpis(signal?: AbortSignal): Promise<Kpi[]> {
    return (await this.http.get<{ kpis: Kpi[] }>('/v1/kpis', signal)).kpis;
  }

  async sources(signal?: AbortSignal): Promise<SourceSummary[]> {
    return (await this.http.get<{ sources: SourceSummary[] }>('/v1/sources', signal)).sources;
  }
}

/** The signed-in user's own session. */
export class AccountApi {
  constructor(private readonly http: HttpClient) {}

  me(signal?: AbortSignal): Promise<Me> {
    return this.http.get<Me>('/v1/auth/me', signal);
  }

  /** Ends the session of the current access token (its refresh tokens stop working). */
  async logout(): Promise<void> {
    await this.http.request<undefined>('POST', '/v1/auth/logout', undefined);
  }
}

export type { TokenAnswer };
