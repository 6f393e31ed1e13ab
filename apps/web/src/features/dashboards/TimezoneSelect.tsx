import { useId, useMemo } from 'react';

export interface TimezoneSelectProps {
  value: string;
  /** The dashboard's own zone, listed first. */
  dashboardZone?: string;
  onChange: (zone: string) => void;
}

function allZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** The zone the charts' days and hours are counted in. */
export function TimezoneSelect({ value, dashboardZone, onChange }: TimezoneSelectProps) {
  const id = useId();
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = useMemo(() => {
    const first = [dashboardZone, 'UTC', browser].filter((z): z is string => z !== undefined && z !== '');
    const seen = new Set<string>();
    const out: Array<{ zone: string; label: string }> = [];
    for (const zone of [...first, value, ...allZones()]) {
      if (seen.has(zone)) continue;
      seen.add(zone);
      const note = zone === dashboardZone ? ' (dashboard)' : zone === browser && zone !== 'UTC' ? ' (this browser)' : '';
      out.push({ zone, label: `${zone}${note}` });
    }
    return out;
  }, [dashboardZone, browser, value]);
  return (
    <span className="field-inline">
      <label htmlFor={id}>Time zone</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className="tz-select">
        {zones.map((z) => (
          <option key={z.zone} value={z.zone}>
            {z.label}
          </option>
        ))}
      </select>
    </span>
  );
}
