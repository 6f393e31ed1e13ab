import { useId } from 'react';
import type { Dashboard, Range } from '@sightline/sdk';
import { LiveIndicator } from './LiveIndicator';
import { TimeRangePicker } from './TimeRangePicker';
import { TimezoneSelect } from './TimezoneSelect';
import type { SaveStatus } from './useDashboardSaver';

export interface DashboardHeaderProps {
  dashboard: Dashboard;
  range: Range;
  timezone: string;
  onRange: (range: Range) => void;
  onTimezone: (zone: string) => void;
  /** May edit this dashboard (a writer, and not a built-in one). */
  canEdit: boolean;
  /** A writer looking at a built-in dashboard: offer a copy instead. */
  canDuplicate: boolean;
  editMode: boolean;
  onEditMode: (on: boolean) => void;
  onTitle: (title: string) => void;
  onLive: (live: boolean) => void;
  onAddPanel: () => void;
  onDuplicate: () => void;
  onExportPng: () => void;
  exporting: boolean;
  busy: boolean;
  saveStatus: SaveStatus;
}

const SAVE_TEXT: Record<SaveStatus, string> = { idle: '', pending: 'Unsaved changes…', saving: 'Saving…', saved: 'All changes saved', error: 'Not saved' };

/** Title, time controls, live status and the dashboard's actions. */
export function DashboardHeader(props: DashboardHeaderProps) {
  const { dashboard, editMode, canEdit, canDuplicate } = props;
  const titleId = useId();
  const liveId = useId();
  return (
    <div className="dashboard-header">
      <div className="dashboard-title-row">
        {editMode ? (
          <span className="title-edit">
            <label htmlFor={titleId} className="visually-hidden">
              Dashboard title
            </label>
            <input id={titleId} className="title-input" value={dashboard.title} maxLength={200} onChange={(e) => props.onTitle(e.target.value)} />
          </span>
        ) : (
          <h1>{dashboard.title}</h1>
        )}
        {dashboard.builtin && <span className="badge">Built-in</span>}
        <LiveIndicator enabled={dashboard.live} />
        {editMode && (
          <span className="save-status" role="status">
            {SAVE_TEXT[props.saveStatus]}
          </span>
        )}
      </div>
      {dashboard.description !== undefined && dashboard.description !== '' && !editMode && <p className="dashboard-desc">{dashboard.description}</p>}
      <div className="dashboard-toolbar" role="toolbar" aria-label="Dashboard controls">
        <TimeRangePicker value={props.range} onChange={props.onRange} timezone={props.timezone} />
        <TimezoneSelect value={props.timezone} dashboardZone={dashboard.timezone} onChange={props.onTimezone} />
        {editMode && (
          <span className="field-inline">
            <input id={liveId} type="checkbox" checked={dashboard.live} onChange={(e) => props.onLive(e.target.checked)} />
            <label htmlFor={liveId}>Live updates</label>
          </span>
        )}
        <span className="toolbar-spacer" />
        <button type="button" className="btn" onClick={props.onExportPng} disabled={props.exporting}>
          {props.exporting ? 'Exporting…' : 'Export PNG'}
        </button>
        {canEdit && editMode && (
          <button type="button" className="btn" onClick={props.onAddPanel}>
            + Add panel
          </button>
        )}
        {canEdit && (
          <button type="button" className={editMode ? 'btn btn-primary' : 'btn'} aria-pressed={editMode} onClick={() => props.onEditMode(!editMode)}>
            {editMode ? 'Done' : 'Edit'}
          </button>
        )}
        {canDuplicate && (
          <button type="button" className="btn" onClick={props.onDuplicate} disabled={props.busy}>
            Duplicate to edit
          </button>
        )}
      </div>
    </div>
  );
}
