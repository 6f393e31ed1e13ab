import type { KeyboardEvent } from 'react';
import type { Column, Filter, Interval, QueryResult } from '@sightline/sdk';
import { analyzeAnswer, dimensionCell, dimensionFilter, NONE_LABEL, PREVIOUS_SUFFIX } from './answer-shape';
import { formatTimeFull, formatValue, MISSING } from './format';

export interface DataTableProps {
  answer: QueryResult;
  unit?: string;
  interval?: Interval;
  onDrill?: (filter: Filter) => void;
  /** Rows drawn at most; the rest is in the CSV/JSON export. */
  maxRows?: number;
}

const FUNNEL_UNITS: Record<string, string> = { actors: 'count', conversion: 'ratio', step_conversion: 'ratio', step: 'count' };

function cellText(value: unknown, column: Column, unit: string | undefined, funnel: boolean, interval: Interval | undefined): string {
  if (value === null || value === undefined) return column.type === 'string' ? NONE_LABEL : MISSING;
  if (column.type === 'time' && typeof value === 'string') return formatTimeFull(value, interval);
  if (typeof value !== 'number') return String(value);
  if (funnel) return formatValue(value, FUNNEL_UNITS[column.name]);
  if (unit) return formatValue(value, unit);
  return formatValue(value, column.type === 'integer' ? 'count' : 'number');
}

/** The answer as a real table, in the answer's row order; a row with a dimension value drills down. */
export function DataTable({ answer, unit, interval, onDrill, maxRows = 2000 }: DataTableProps) {
  const shape = analyzeAnswer(answer);
  const drillColumn = shape.dimensions[0];
  const rows = answer.rows.length > maxRows ? answer.rows.slice(0, maxRows) : answer.rows;
  const numeric = (c: Column) => c.type === 'number' || c.type === 'integer';
  const drillOf = (row: unknown[]): Filter | undefined => (drillColumn && onDrill ? dimensionFilter(drillColumn.name, dimensionCell(row[drillColumn.index])) : undefined);

  const activate = (filter: Filter | undefined) => {
    if (filter && onDrill) onDrill(filter);
  };
  const onKey = (event: KeyboardEvent<HTMLTableRowElement>, filter: Filter | undefined) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      activate(filter);
    }
  };

  return (
    <div className="data-table-scroll" tabIndex={0} role="region" aria-label="Panel data">
      <table className="data-table">
        <thead>
          <tr>
            {answer.columns.map((column) => (
              <th key={column.name} scope="col" className={numeric(column) ? 'is-number' : undefined}>
                {column.name.endsWith(PREVIOUS_SUFFIX) ? `${column.name.slice(0, -PREVIOUS_SUFFIX.length)} (previous)` : column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => {
            const filter = drillOf(row);
            const label = filter ? `Filter the dashboard by ${filter.field} = ${filter.op === 'exists' ? NONE_LABEL : String(filter.value)}` : undefined;
            return (
              <tr
                key={r}
                className={filter ? 'is-drillable' : undefined}
                tabIndex={filter ? 0 : undefined}
                title={label}
                onClick={filter ? () => activate(filter) : undefined}
                onKeyDown={filter ? (event) => onKey(event, filter) : undefined}
              >
                {answer.columns.map((column, c) => (
                  <td key={column.name} className={numeric(column) ? 'is-number' : undefined} data-raw={row[c] === null || row[c] === undefined ? '' : String(row[c])}>
                    {cellText(row[c], column, unit, shape.funnel, interval)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length < answer.rows.length && (
        <p className="data-table-more">
          Showing the first {rows.length.toLocaleString('en-US')} of {answer.rows.length.toLocaleString('en-US')} rows; export CSV for all of them.
        </p>
      )}
    </div>
  );
}
