import type { MetricDefinition } from '@sightline/sdk';

interface MetricSelectProps {
  id: string;
  value: string;
  metrics: MetricDefinition[];
  onChange: (name: string) => void;
  describedBy?: string;
  invalid?: boolean;
}

const NO_PACK = 'Custom';

/** The catalog's metrics grouped by the pack they come from. */
export function MetricSelect({ id, value, metrics, onChange, describedBy, invalid }: MetricSelectProps) {
  const packs = new Map<string, MetricDefinition[]>();
  for (const metric of metrics) {
    const pack = metric.pack ?? NO_PACK;
    packs.set(pack, [...(packs.get(pack) ?? []), metric]);
  }
  const known = metrics.some((m) => m.name === value);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid || undefined}>
      {!known && <option value={value}>{value === '' ? 'Choose a metric' : `${value} (not in the catalog)`}</option>}
      {[...packs].map(([pack, list]) => (
        <optgroup key={pack} label={pack}>
          {list.map((m) => (
            <option key={m.name} value={m.name} title={m.description}>
              {m.name}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
