import type { QueryResult } from '@sightline/sdk';
import { chartHosts, drawTextOf, EXPORT_PIXEL_RATIO, exportColours, newCanvas } from './canvas-text';
import type { ResolvedTheme } from './types';

type Answer = Pick<QueryResult, 'columns' | 'rows'>;

/**
 * A spreadsheet opens a cell starting with one of these as a formula (`=HYPERLINK(…)`), so text
 * that starts with one is written with a leading `'`. Numbers are never touched: `-5` stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : '';
  if (typeof value === 'boolean') return String(value);
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The answer as RFC 4180 CSV: a header of column names, CRLF line ends, null as an empty field. */
export function answerToCsv(answer: Answer): string {
  const lines = [answer.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of answer.rows) lines.push(answer.columns.map((_, i) => csvField(row[i])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The answer as pretty JSON `{columns, rows}`. */
export function answerToJson(answer: Answer): string {
  return JSON.stringify({ columns: answer.columns, rows: answer.rows }, null, 2);
}

/** Saves `data` as a file named `name` through a temporary `<a download>`. */
export function downloadFile(name: string, data: string | Blob, mime: string): void {
  const blob = typeof data === 'string' ? new Blob([data], { type: mime }) : data;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a moment later it is done with.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * A panel as a PNG data URL (pixel ratio 2): a chart from its ECharts instance; a KPI or a table
 * redrawn from its text on the panel's surface colour.
 */
export function panelPngDataUrl(panelEl: HTMLElement, theme: ResolvedTheme): string {
  const colours = exportColours(theme);
  const [host] = chartHosts(panelEl);
  if (host?.sightlineChart) {
    return host.sightlineChart.getDataURL({ type: 'png', pixelRatio: EXPORT_PIXEL_RATIO, backgroundColor: colours.surface });
  }
  const box = panelEl.getBoundingClientRect();
  const { canvas, ctx } = newCanvas(box.width, box.height);
  ctx.fillStyle = colours.surface;
  ctx.fillRect(0, 0, box.width, box.height);
  drawTextOf(ctx, panelEl, box, box);
  return canvas.toDataURL('image/png');
}
