import { memo, useRef, useState } from 'react';
import type { DashboardPanel, Filter, Kpi } from '@sightline/sdk';
import type { PanelOutcome } from '../../api/panel-answer';
import { Menu, type MenuItem } from '../../components/Menu';
import { answerToCsv, answerToJson, downloadFile, panelPngDataUrl } from '../panels/export-panel';
import { PanelErrorBoundary } from '../panels/PanelErrorBoundary';
import { PanelView } from '../panels/PanelView';
import type { ResolvedTheme } from '../panels/types';
import { downloadUrl } from './download';
import { NUDGES, type LayoutNudge } from './grid-layout';

export interface PanelFrameProps {
  panel: DashboardPanel;
  /** Undefined while the first answer is on its way. */
  outcome: PanelOutcome | undefined;
  kpi?: Kpi;
  theme: ResolvedTheme;
  editMode: boolean;
  /** Pixel height of the grid cell the frame fills. */
  height: number;
  onDrill: (filter: Filter) => void;
  onEdit: (panel: DashboardPanel) => void;
  onDelete: (panel: DashboardPanel) => void;
  onNudge: (panel: DashboardPanel, nudge: LayoutNudge) => void;
}

/** The frame's own chrome: header row and padding, subtracted from the cell for the chart. */
const CHROME_PX = 52;

/** One panel on the dashboard: title, actions, and its chart, table or value (or its problem). */
export const PanelFrame = memo(function PanelFrame({ panel, outcome, kpi, theme, editMode, height, onDrill, onEdit, onDelete, onNudge }: PanelFrameProps) {
  const ref = useRef<HTMLElement>(null);
  const [drawError, setDrawError] = useState<Error | undefined>();
  const answer = outcome !== undefined && 'result' in outcome ? outcome.result : undefined;
  const problem = outcome !== undefined && 'error' in outcome ? outcome.error : undefined;
  const state = problem !== undefined || drawError !== undefined ? 'error' : answer === undefined ? 'loading' : answer.rows.length === 0 ? 'empty' : 'ready';

  const items: MenuItem[] = [
    {
      label: 'Export PNG',
      disabled: answer === undefined,
      onSelect: () => {
        const el = ref.current;
        if (el === null) return;
        void Promise.resolve(panelPngDataUrl(el, theme)).then((url) => downloadUrl(`${panel.id}.png`, url));
      },
    },
    { label: 'Export CSV', disabled: answer === undefined, onSelect: () => answer !== undefined && downloadFile(`${panel.id}.csv`, answerToCsv(answer), 'text/csv') },
    { label: 'Export JSON', disabled: answer === undefined, onSelect: () => answer !== undefined && downloadFile(`${panel.id}.json`, answerToJson(answer), 'application/json') },
  ];
  if (editMode) {
    items.push({ label: 'Edit', onSelect: () => onEdit(panel) });
    for (const n of NUDGES) items.push({ label: n.label, onSelect: () => onNudge(panel, n.nudge) });
    items.push({ label: 'Delete', danger: true, onSelect: () => onDelete(panel) });
  }

  return (
    <section ref={ref} className="panel" data-testid={`panel-${panel.id}`} data-state={state} aria-labelledby={`panel-title-${panel.id}`} aria-busy={state === 'loading'}>
      <header className="panel-head">
        {editMode && (
          <span className="panel-drag" title="Drag to move" aria-hidden="true">
            ⠿
          </span>
        )}
        <h2 className="panel-title" id={`panel-title-${panel.id}`} data-panel-title title={panel.options?.description ?? panel.title}>
          {panel.title}
        </h2>
        <Menu label={`Actions for panel ${panel.title}`} items={items} />
      </header>
      <div className="panel-body">
        {problem !== undefined ? (
          <div className="panel-problem" role="alert">
            <strong>{problem.title}</strong>
            {problem.detail !== undefined && <span>{problem.detail}</span>}
          </div>
        ) : (
          <PanelErrorBoundary resetKey={outcome} onError={setDrawError}>
            <PanelView panel={panel} answer={answer} kpi={kpi} theme={theme} onDrill={onDrill} height={Math.max(60, height - CHROME_PX)} />
          </PanelErrorBoundary>
        )}
      </div>
    </section>
  );
});
