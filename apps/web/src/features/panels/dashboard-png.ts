import { chartHosts, drawTextOf, EXPORT_SKIP, exportColours, loadImage, newCanvas, roundedRect } from './canvas-text';
import type { ResolvedTheme } from './types';

export interface DashboardPngOptions {
  title: string;
  theme: ResolvedTheme;
}

const HEADER = 56;
const PADDING = 16;

/**
 * The whole dashboard as one PNG: every panel inside `gridEl` (`[data-testid^="panel-"]`) at its
 * on-screen position, on the page background, under the dashboard's title (pixel ratio 2).
 */
export async function renderDashboardPng(gridEl: HTMLElement, opts: DashboardPngOptions): Promise<Blob> {
  const colours = exportColours(opts.theme);
  const grid = gridEl.getBoundingClientRect();
  const panels = [...gridEl.querySelectorAll<HTMLElement>('[data-testid^="panel-"]')];
  const bottom = panels.reduce((max, el) => Math.max(max, el.getBoundingClientRect().bottom - grid.top), 0);
  const width = Math.max(grid.width, gridEl.scrollWidth) + PADDING * 2;
  const height = HEADER + Math.max(bottom, 40) + PADDING;
  const { canvas, ctx } = newCanvas(width, height);
  // Page coordinates of the canvas's top-left: the grid sits PADDING in and HEADER down.
  const origin = { left: grid.left - PADDING, top: grid.top - HEADER };

  ctx.fillStyle = colours.bg;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = colours.text;
  ctx.font = '600 20px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(opts.title, PADDING, HEADER / 2);

  const radius = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--radius')) || 8;
  for (const panel of panels) {
    const box = panel.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    const x = box.left - origin.left;
    const y = box.top - origin.top;
    roundedRect(ctx, x, y, box.width, box.height, radius);
    ctx.fillStyle = colours.surface;
    ctx.fill();
    ctx.strokeStyle = colours.border;
    ctx.lineWidth = 1;
    ctx.stroke();

    const title = panel.querySelector('[data-panel-title]');
    if (title) {
      const tb = title.getBoundingClientRect();
      const style = getComputedStyle(title);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y, box.width, box.height);
      ctx.clip();
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      ctx.fillStyle = style.color || colours.text;
      ctx.textBaseline = 'middle';
      ctx.fillText(title.textContent?.trim() ?? '', tb.left - origin.left, tb.top - origin.top + tb.height / 2);
      ctx.restore();
    }

    for (const host of chartHosts(panel)) {
      const hb = host.getBoundingClientRect();
      const chart = host.sightlineChart;
      if (!chart || hb.width < 1 || hb.height < 1) continue;
      try {
        const image = await loadImage(chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: 'transparent' }));
        ctx.drawImage(image, hb.left - origin.left, hb.top - origin.top, hb.width, hb.height);
      } catch {
        // One unreadable chart leaves its panel blank rather than failing the whole picture.
      }
    }
    drawTextOf(ctx, panel, origin, box, `${EXPORT_SKIP}, [data-panel-title]`);
  }

  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The dashboard image could not be made.'))), 'image/png');
  });
}
