import type { DashboardPanel, Kpi } from '@sightline/sdk';
import { PanelErrorBoundary } from '../panels/PanelErrorBoundary';
import { PanelView } from '../panels/PanelView';
import type { PreviewState } from './usePreview';

interface PreviewPaneProps {
  panel: DashboardPanel;
  preview: PreviewState;
  kpi: Kpi | undefined;
  theme: 'light' | 'dark';
}

export function PreviewPane({ panel, preview, kpi, theme }: PreviewPaneProps) {
  const { answer, problem, running, runnable } = preview;
  // Its own id, so that the chart's paint mark is not taken for the dashboard's panel.
  const shown: DashboardPanel = { ...panel, id: `preview-${panel.id}` };
  const resetKey = `${preview.version}|${JSON.stringify(panel)}`;
  return (
    <section className="pe-preview" aria-label="Preview" aria-busy={running}>
      <div className="pe-preview-head">
        <h3>Preview</h3>
        <span className="pe-hint" role="status">
          {running ? 'Running…' : ''}
        </span>
      </div>
      {problem && (
        <div className="pe-error" role="alert">
          <p>{problem.message}</p>
          {problem.errors.length > 0 && (
            <ul>
              {problem.errors.map((e, i) => (
                <li key={`${e.path}-${i}`}>
                  <code>{e.path}</code> {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {!runnable ? (
        <p className="pe-hint pe-preview-empty">Choose a source and a measure (or two funnel steps) to see a preview.</p>
      ) : problem && answer === undefined ? null : (
        <div className={problem ? 'pe-preview-body pe-stale' : 'pe-preview-body'}>
          {/* A draft can be anything the JSON allows: one that cannot be drawn must not take the editor down. */}
          <PanelErrorBoundary resetKey={resetKey}>
            <PanelView panel={shown} answer={answer} kpi={kpi} theme={theme} height={240} />
          </PanelErrorBoundary>
        </div>
      )}
    </section>
  );
}
