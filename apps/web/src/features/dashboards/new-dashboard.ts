import type { DashboardBody, DashboardPanel, SourceSummary } from '@sightline/sdk';

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
