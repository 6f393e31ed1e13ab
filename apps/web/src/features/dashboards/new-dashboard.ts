import type { Dashboard, DashboardBody, DashboardPanel, SourceSummary } from '@sightline/sdk';

/** The body of a PUT for this dashboard (the answer's read-only fields left out). */
export function bodyOf(dashboard: Dashboard): DashboardBody {
  return {
    title: dashboard.title,
    // The stored panel query is the query language's object; the body schema takes it as a record.
    panels: dashboard.panels.map((p) => ({ ...p, query: p.query as unknown as Record<string, unknown> })),
    theme: dashboard.theme,
    live: dashboard.live,
    ...(dashboard.description !== undefined ? { description: dashboard.description } : {}),
    ...(dashboard.range !== undefined ? { range: dashboard.range } : {}),
    ...(dashboard.timezone !== undefined ? { timezone: dashboard.timezone } : {}),
    ...(dashboard.filters !== undefined ? { filters: dashboard.filters } : {}),
  };
}

export const NEW_DASHBOARD: DashboardBody = { title: 'Untitled dashboard', panels: [], theme: 'system', live: true, range: { last: '30d' } };

/** A panel id not used on the dashboard yet. */
export function newPanelId(panels: DashboardPanel[]): string {
  const taken = new Set(panels.map((p) => p.id));
  for (;;) {
    const id = `p-${Math.random().toString(36).slice(2, 8)}`;
    if (!taken.has(id)) return id;
  }
}

/** A first draft for "Add panel": events per day of the first source, below the others. */
export function newPanel(panels: DashboardPanel[], sources: SourceSummary[]): DashboardPanel {
  const bottom = panels.reduce((max, p) => Math.max(max, p.layout.y + p.layout.h), 0);
  return {
    id: newPanelId(panels),
    title: 'New panel',
    chart: 'line',
    query: { source: sources[0]?.name ?? 'app', measures: [{ as: 'events', fn: 'count' }], interval: 'day' },
    layout: { x: 0, y: bottom, w: 6, h: 6 },
  };
}
