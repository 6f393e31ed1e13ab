import { useId } from 'react';
import type { ChartKind, Kpi, PanelOptions } from '@sightline/sdk';
import { NumberField } from './NumberField';
import { TextField } from './TextField';

interface OptionsFormProps {
  chart: ChartKind;
  options: PanelOptions;
  kpis: Kpi[];
  /** The query's measure columns, for the one a single-value panel shows. */
  measures: string[];
  onChange: (options: PanelOptions) => void;
}

type Thresholds = NonNullable<PanelOptions['thresholds']>;

/** How the panel is drawn beyond its kind; what does not apply to the chosen kind is not asked. */
export function OptionsForm({ chart, options, kpis, measures, onChange }: OptionsFormProps) {
  const id = useId();
  const single = chart === 'kpi' || chart === 'gauge';
  const set = <K extends keyof PanelOptions>(key: K, value: PanelOptions[K]) => onChange({ ...options, [key]: value });
  const thresholds: Thresholds = options.thresholds ?? {};
  const setThreshold = <K extends keyof Thresholds>(key: K, value: Thresholds[K]) => set('thresholds', { ...thresholds, [key]: value });
  const chosenKpi = kpis.find((k) => k.name === options.kpi);

  return (
    <fieldset className="pe-group">
      <legend>Display</legend>
      <div className="pe-field">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea id={`${id}-description`} rows={2} maxLength={500} value={options.description ?? ''} onChange={(e) => set('description', e.target.value || undefined)} />
      </div>
      <div className="pe-row">
        <TextField id={`${id}-unit`} label="Unit" value={options.unit ?? ''} placeholder={chosenKpi?.unit ?? '€, %, ms'} onChange={(u) => set('unit', u || undefined)} />
        {single && (
          <>
            <div className="pe-field">
              <label htmlFor={`${id}-kpi`}>KPI</label>
              <select id={`${id}-kpi`} value={options.kpi ?? ''} onChange={(e) => set('kpi', e.target.value || undefined)}>
                <option value="">none</option>
                {options.kpi && !chosenKpi && <option value={options.kpi}>{options.kpi} (unknown)</option>}
                {kpis.map((k) => (
                  <option key={k.name} value={k.name} title={k.description}>
                    {k.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="pe-field">
              <label htmlFor={`${id}-measure`}>Value shown</label>
              <select id={`${id}-measure`} value={options.measure ?? ''} onChange={(e) => set('measure', e.target.value || undefined)}>
                <option value="">the first measure</option>
                {options.measure && !measures.includes(options.measure) && <option value={options.measure}>{options.measure}</option>}
                {measures.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
        {(chart === 'pie' || chart === 'donut') && (
          <label className="pe-check">
            <input type="checkbox" checked={chart === 'donut' || options.donut === true} disabled={chart === 'donut'} onChange={(e) => set('donut', e.target.checked || undefined)} />
            Ring
          </label>
        )}
      </div>
      {chart === 'gauge' && (
        <div className="pe-row">
          <NumberField id={`${id}-min`} label="Minimum" value={options.min} placeholder="0" onChange={(v) => set('min', v)} />
          <NumberField id={`${id}-max`} label="Maximum" value={options.max} placeholder="auto" onChange={(v) => set('max', v)} />
        </div>
      )}
      <fieldset className="pe-group" disabled={single && chosenKpi !== undefined}>
        <legend>Thresholds{single && chosenKpi ? ' (from the KPI)' : ''}</legend>
        <div className="pe-row">
          <div className="pe-field">
            <label htmlFor={`${id}-direction`}>Better when</label>
            <select id={`${id}-direction`} value={thresholds.direction ?? ''} onChange={(e) => setThreshold('direction', (e.target.value || undefined) as Thresholds['direction'])}>
              <option value="">not set</option>
              <option value="higher">higher</option>
              <option value="lower">lower</option>
            </select>
          </div>
          <NumberField id={`${id}-warning`} label="Warning at" value={thresholds.warning} onChange={(v) => setThreshold('warning', v)} />
          <NumberField id={`${id}-critical`} label="Critical at" value={thresholds.critical} onChange={(v) => setThreshold('critical', v)} />
        </div>
      </fieldset>
    </fieldset>
  );
}
