import { useCallback, useMemo, type ReactNode, type Ref } from 'react';
import ReactGridLayout, { useContainerWidth, type Layout } from 'react-grid-layout';
import type { DashboardPanel } from '@sightline/sdk';
import { cellHeight, GRID_COLUMNS, GRID_MARGIN, gridItems, ROW_HEIGHT, SINGLE_COLUMN_BELOW, stackedItems, withLayout } from './grid-layout';
import 'react-grid-layout/css/styles.css';

export interface DashboardGridProps {
  panels: DashboardPanel[];
  editMode: boolean;
  /** The panels after a drag or resize (only in edit mode, only when something moved). */
  onPanelsMoved: (panels: DashboardPanel[]) => void;
  renderPanel: (panel: DashboardPanel, height: number) => ReactNode;
  /** The grid's element, for the dashboard image. */
  gridRef?: Ref<HTMLDivElement>;
}

/** The 12-column grid of panels; drag by the handle and resize by the corner in edit mode. */
export function DashboardGrid({ panels, editMode, onPanelsMoved, renderPanel, gridRef }: DashboardGridProps) {
  const { width, containerRef, mounted } = useContainerWidth({ measureBeforeMount: true });
  const single = width < SINGLE_COLUMN_BELOW;
  const layout = useMemo(() => (single ? stackedItems(panels) : gridItems(panels)), [panels, single]);
  const editable = editMode && !single;

  const onLayoutChange = useCallback(
    (next: Layout) => {
      if (!editable) return;
      const moved = withLayout(panels, next);
      if (moved !== undefined) onPanelsMoved(moved);
    },
    [editable, panels, onPanelsMoved],
  );

  const setRefs = useCallback(
    (el: HTMLDivElement | null) => {
      containerRef.current = el;
      if (typeof gridRef === 'function') gridRef(el);
      else if (gridRef !== undefined && gridRef !== null) gridRef.current = el;
    },
    [containerRef, gridRef],
  );

  return (
    <div ref={setRefs} className={editable ? 'dashboard-grid is-editing' : 'dashboard-grid'}>
      {mounted && (
        <ReactGridLayout
          layout={layout}
          width={width}
          gridConfig={{ cols: single ? 1 : GRID_COLUMNS, rowHeight: ROW_HEIGHT, margin: [GRID_MARGIN, GRID_MARGIN], containerPadding: [0, 0] }}
          dragConfig={{ enabled: editable, handle: '.panel-drag', cancel: 'button, input, select, a' }}
          resizeConfig={{ enabled: editable, handles: ['se'] }}
          onLayoutChange={onLayoutChange}
        >
          {panels.map((p) => {
            const item = layout.find((l) => l.i === p.id);
            return (
              <div key={p.id} className="grid-cell">
                {renderPanel(p, cellHeight(item?.h ?? p.layout.h))}
              </div>
            );
          })}
        </ReactGridLayout>
      )}
    </div>
  );
}
