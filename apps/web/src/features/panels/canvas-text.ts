import { THEME_COLOURS, type ThemeColours } from '../../components/charts/chart-themes';
import type { ChartHostElement } from '../../components/charts/types';
import type { ResolvedTheme } from './types';

// Drawing what is on screen onto a canvas without html2canvas: charts come from their ECharts
// instance as images, everything else (KPI values, tables, titles) is redrawn from its text nodes at
// their on-screen boxes with their computed fonts and colours.

export const EXPORT_PIXEL_RATIO = 2;

/** The page's colours (the CSS variables), falling back to the chart theme's when one is unset. */
export function exportColours(theme: ResolvedTheme): ThemeColours {
  const fallback = THEME_COLOURS[theme];
  if (typeof document === 'undefined' || typeof getComputedStyle !== 'function') return fallback;
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, otherwise: string) => style.getPropertyValue(name).trim() || otherwise;
  return {
    text: read('--text', fallback.text),
    textMuted: read('--text-muted', fallback.textMuted),
    border: read('--border', fallback.border),
    surface: read('--surface', fallback.surface),
    bg: read('--bg', fallback.bg),
    good: read('--good', fallback.good),
    warning: read('--warning', fallback.warning),
    critical: read('--critical', fallback.critical),
  };
}

/**
 * Chrome that is not content: menus, buttons, form controls, decorative (aria-hidden) marks unless
 * they opt in with `data-export`, charts (drawn as images) and anything marked `data-export-skip`.
 */
export const EXPORT_SKIP = 'button, select, input, textarea, [role="menu"], [data-export-skip], [aria-hidden="true"]:not([data-export]), .echart, .visually-hidden';

export function chartHosts(root: Element): ChartHostElement[] {
  return [...root.querySelectorAll<ChartHostElement>('.echart')].filter((el) => el.sightlineChart);
}

function fontOf(style: CSSStyleDeclaration): string {
  return `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
}

/**
 * Draws the visible text inside `root` onto `ctx`, positioned relative to `origin` (the canvas's
 * top-left in page coordinates) and clipped to `clip` (page coordinates).
 */
export function drawTextOf(ctx: CanvasRenderingContext2D, root: Element, origin: { left: number; top: number }, clip: DOMRect, skip: string = EXPORT_SKIP): void {
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = root.ownerDocument.createRange();
  ctx.save();
  ctx.beginPath();
  ctx.rect(clip.left - origin.left, clip.top - origin.top, clip.width, clip.height);
  ctx.clip();
  ctx.textBaseline = 'top';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent?.replace(/\s+/g, ' ').trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest(skip)) continue;
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    if (box.bottom < clip.top || box.top > clip.bottom || box.right < clip.left || box.left > clip.right) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    ctx.font = fontOf(style);
    ctx.fillStyle = style.color;
    // Centre the glyphs in the line box, as the browser does.
    const size = parseFloat(style.fontSize) || 14;
    ctx.fillText(text, box.left - origin.left, box.top - origin.top + Math.max(0, (box.height - size) / 2));
  }
  ctx.restore();
}

export function roundedRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  if (typeof ctx.roundRect === 'function') ctx.roundRect(x, y, w, h, r);
  else ctx.rect(x, y, w, h);
}

export function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('The chart image could not be read.'));
    image.src = src;
  });
}

export function newCanvas(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * EXPORT_PIXEL_RATIO));
  canvas.height = Math.max(1, Math.round(height * EXPORT_PIXEL_RATIO));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw images (no canvas).');
  ctx.scale(EXPORT_PIXEL_RATIO, EXPORT_PIXEL_RATIO);
  return { canvas, ctx };
}
