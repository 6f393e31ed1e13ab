/** Renders a query answer as an aligned text table for the terminal. */
export function renderTable(columns: readonly { name: string; type: string }[], rows: readonly unknown[][]): string {
  const cells = rows.map((row) => row.map(formatCell));
  const widths = columns.map((column, i) => Math.max(column.name.length, ...cells.map((row) => row[i]!.length)));
  const numeric = columns.map((column) => column.type === 'number' || column.type === 'integer');
  const line = (values: string[]) =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(columns.map((c) => c.name)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return out.join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return String(Math.round(value * 1e6) / 1e6);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
