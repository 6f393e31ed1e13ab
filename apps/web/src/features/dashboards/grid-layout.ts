import type { DashboardPanel, PanelLayout } from '@sightline/sdk';

export const GRID_COLUMNS = 12;
export const ROW_HEIGHT = 40;
export const GRID_MARGIN = 12;
/** Narrower than this, panels stack in one column (and the layout is not editable). */
export const SINGLE_COLUMN_BELOW = 640;

export interface GridItem extends PanelLayout {
  i: string;
}

/** The panels' stored layout as grid items. */
export function gridItems(panels: DashboardPanel[]): GridItem[] {
  return panels.map((p) => ({ i: p.id, x: p.layout.x, y: p.layout.y, w: p.layout.w, h: p.layout.h }));
}

/** The same panels one under the other, in reading order (row, then column), for narrow screens. */
export function stackedItems(panels: DashboardPanel[]): GridItem[] {
  const ordered = [...panels].sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
  let y = 0;
  return ordered.map((p) => {
    const item = { i: p.id, x: 0, y, w: 1, h: p.layout.h };
    y += p.layout.h;
    return item;
  });
}

/** Pixel height of a cell `h` rows high. */
export function cellHeight(h: number): number {
  return h * ROW_HEIGHT + (h - 1) * GRID_MARGIN;
}

/**
 * The panels with the grid's new layout, or undefined when nothing moved (the grid reports its
 * layout on mount too, and compaction may report the same positions again).
 */
export function withLayout(panels: DashboardPanel[], layout: ReadonlyArray<{ i: string; x: number; y: number; w: number; h: number }>): DashboardPanel[] | undefined {
  const byId = new Map(layout.map((l) => [l.i, l]));
  let changed = false;
  const next = panels.map((p) => {
    const l = byId.get(p.id);
    if (l === undefined) return p;
    const layoutNext = { x: Math.max(0, Math.min(GRID_COLUMNS - 1, Math.round(l.x))), y: Math.max(0, Math.round(l.y)), w: Math.max(1, Math.min(GRID_COLUMNS, Math.round(l.w))), h: Math.max(1, Math.round(l.h)) };
    if (layoutNext.x === p.layout.x && layoutNext.y === p.layout.y && layoutNext.w === p.layout.w && layoutNext.h === p.layout.h) return p;
    changed = true;
    return { ...p, layout: layoutNext };
  });
  return changed ? next : undefined;
}

export type LayoutNudge = 'left' | 'right' | 'up' | 'down' | 'wider' | 'narrower' | 'taller' | 'shorter';

export const NUDGES: ReadonlyArray<{ nudge: LayoutNudge; label: string }> = [
  { nudge: 'up', label: 'Move up' },
  { nudge: 'down', label: 'Move down' },
  { nudge: 'left', label: 'Move left' },
  { nudge: 'right', label: 'Move right' },
  { nudge: 'wider', label: 'Make wider' },
  { nudge: 'narrower', label: 'Make narrower' },
  { nudge: 'taller', label: 'Make taller' },
  { nudge: 'shorter', label: 'Make shorter' },
];

/**
 * The keyboard's way to lay out a panel (dragging needs a pointer): one column or row at a time,
 * and up/down past the neighbouring panel. The grid's compaction settles the rest.
 */
export function nudgePanel(panels: DashboardPanel[], id: string, nudge: LayoutNudge): DashboardPanel[] {
  const panel = panels.find((p) => p.id === id);
  if (panel === undefined) return panels;
  const { x, y, w, h } = panel.layout;
  const overlapsColumns = (o: DashboardPanel) => o.id !== id && o.layout.x < x + w && x < o.layout.x + o.layout.w;
  let next: PanelLayout = panel.layout;
  switch (nudge) {
    case 'left':
      next = { ...next, x: Math.max(0, x - 1) };
      break;
    case 'right':
      next = { ...next, x: Math.min(GRID_COLUMNS - w, x + 1) };
      break;
    case 'wider':
      next = { ...next, w: Math.min(GRID_COLUMNS - x, w + 1) };
      break;
    case 'narrower':
      next = { ...next, w: Math.max(1, w - 1) };
      break;
    case 'taller':
      next = { ...next, h: Math.min(100, h + 1) };
      break;
    case 'shorter':
      next = { ...next, h: Math.max(1, h - 1) };
      break;
    case 'up': {
      const above = panels.filter((o) => overlapsColumns(o) && o.layout.y < y).sort((a, b) => b.layout.y - a.layout.y)[0];
      next = { ...next, y: above !== undefined ? above.layout.y : Math.max(0, y - 1) };
      break;
    }
    case 'down': {
      const below = panels.filter((o) => overlapsColumns(o) && o.layout.y >= y + h).sort((a, b) => a.layout.y - b.layout.y)[0];
      next = { ...next, y: below !== undefined ? below.layout.y + below.layout.h : y + 1 };
      break;
    }
  }
  if (next === panel.layout) return panels;
  return panels.map((p) => (p.id === id ? { ...p, layout: next } : p));
}
