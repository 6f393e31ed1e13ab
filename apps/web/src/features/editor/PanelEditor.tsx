import { useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { DashboardPanel, Kpi, MetricDefinition, Query, QueryResult, SourceSummary } from '@sightline/sdk';
import { measureColumns } from './draft-query';
import { OptionsForm } from './OptionsForm';
import { PreviewPane } from './PreviewPane';
import { QueryForm } from './QueryForm';
import { QueryJsonField } from './QueryJsonField';
import { TitleKindFields } from './TitleKindFields';
import { useModalFocus } from './useModalFocus';
import { usePanelDraft } from './usePanelDraft';
import { usePreview } from './usePreview';
import './PanelEditor.css';

export interface PanelEditorProps {
  panel: DashboardPanel;
  sources: SourceSummary[];
  metrics: MetricDefinition[];
  kpis: Kpi[];
  runQuery: (query: Query, signal: AbortSignal) => Promise<QueryResult>;
  theme: 'light' | 'dark';
  /** May be async: the dialog stays open (the draft kept, Save disabled) until it settles. */
  onSave: (panel: DashboardPanel) => void | Promise<void>;
  onCancel: () => void;
  /** Why the last save failed, shown in the dialog (the draft is still there to save again). */
  saveError?: string;
}

/** A modal that edits one panel: its title, kind, query (as a form and as JSON) and options, with a live preview. */
export function PanelEditor({ panel, sources, metrics, kpis, runQuery, theme, onSave, onCancel, saveError }: PanelEditorProps) {
  const [saving, setSaving] = useState(false);
  const headingId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const onKeyDown = useModalFocus(dialogRef, onCancel);
  const draft = usePanelDraft(panel);
  const preview = usePreview(draft.query, runQuery);
  const errors = preview.fieldErrors;
  const previewPanel: DashboardPanel = { ...panel, title: draft.title, chart: draft.chart, query: draft.query, options: draft.options };
  const kpi = draft.options.kpi ? kpis.find((k) => k.name === draft.options.kpi) : undefined;
  const jsonInvalid = draft.jsonError !== null;

  return createPortal(
    <div className="pe-backdrop">
      <div className="pe-dialog" role="dialog" aria-modal="true" aria-labelledby={headingId} ref={dialogRef} tabIndex={-1} onKeyDown={onKeyDown}>
        <header className="pe-header">
          <h2 id={headingId}>Edit panel</h2>
        </header>
        <div className="pe-body">
          <div className="pe-form">
            <TitleKindFields title={draft.title} chart={draft.chart} onTitle={draft.setTitle} onChart={draft.setChart} />
            <fieldset className="pe-query" disabled={jsonInvalid}>
              <legend>Query</legend>
              {jsonInvalid && <p className="pe-hint">The form is paused until the query JSON is valid again.</p>}
              <QueryForm query={draft.query} sources={sources} metrics={metrics} onChange={draft.setQuery} onKind={draft.setQueryKind} errors={errors} />
            </fieldset>
            <OptionsForm chart={draft.chart} options={draft.options} kpis={kpis} measures={measureColumns(draft.query)} onChange={draft.setOptions} />
          </div>
          <div className="pe-side">
            <PreviewPane panel={previewPanel} preview={preview} kpi={kpi} theme={theme} />
            <QueryJsonField text={draft.json} error={draft.jsonError} onChange={draft.setJson} onRevert={draft.revertJson} />
          </div>
        </div>
        <footer className="pe-footer">
          {saveError !== undefined && (
            <p className="pe-save-error" role="alert">
              Not saved: {saveError}
            </p>
          )}
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="pe-primary"
            disabled={jsonInvalid || saving}
            onClick={() => {
              setSaving(true);
              void Promise.resolve(onSave(draft.result())).finally(() => setSaving(false));
            }}
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </div>
    </div>,
    document.body,
  );
}
