import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ResolvedTheme } from '../../features/panels/types';
import { echartsTheme } from './chart-themes';
import { loadECharts, partsForOption } from './echarts-loader';
import type { ChartClickParams, ChartHostElement, ChartInstance, ChartOption, ChartPart, ChartRenderer } from './types';
import './EChart.css';

export interface EChartProps {
  option: ChartOption;
  /** The ECharts parts to load; by default those the option names (series types, components). */
  parts?: ChartPart[];
  theme: ResolvedTheme;
  onClick?: (params: ChartClickParams) => void;
  /** Names the paint mark `sightline:chart:<panelId>`. */
  panelId?: string;
  /** The panel kind, shown as `data-chart-kind`; by default the first series' type. */
  kind?: string;
  ariaLabel: string;
  height?: number;
  renderer?: ChartRenderer;
}

const FALLBACK_WIDTH = 400;
const FALLBACK_HEIGHT = 260;

function seriesTypes(option: ChartOption): string[] {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  return series.map((s: unknown) => (typeof s === 'object' && s !== null && 'type' in s ? String((s as { type: unknown }).type) : ''));
}

function axisType(axis: unknown): string {
  const first: unknown = Array.isArray(axis) ? axis[0] : axis;
  return typeof first === 'object' && first !== null && 'type' in first ? String((first as { type: unknown }).type) : '';
}

/**
 * What decides between a merge and a full replacement: the same kind of chart takes new data by a
 * merge (series matched by id, so a live update animates instead of redrawing from nothing); a
 * different shape (other series types, axes or components) is replaced whole.
 */
function optionShape(option: ChartOption): string {
  return JSON.stringify([Object.keys(option).sort(), [...new Set(seriesTypes(option))].sort(), axisType(option.xAxis), axisType(option.yAxis)]);
}

/**
 * The one owner of ECharts instances: loads the needed parts on demand, keeps one instance for the
 * life of the component (data and theme changes go through that instance), resizes with its box
 * and disposes on unmount.
 */
export function EChart({ option, parts, theme, onClick, panelId, kind, ariaLabel, height, renderer = 'canvas' }: EChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ChartInstance | null>(null);
  const shapeRef = useRef<string>('');
  const sequenceRef = useRef(0);
  const themeRef = useRef(theme);
  const onClickRef = useRef(onClick);
  const panelIdRef = useRef(panelId);
  const heightRef = useRef(height);
  const [failed, setFailed] = useState(false);

  useLayoutEffect(() => {
    onClickRef.current = onClick;
    panelIdRef.current = panelId;
    heightRef.current = height;
  });

  // Created lazily by the option effect below; removed here, so that an unmount (or a renderer
  // change) never leaves an instance or an observer behind.
  useEffect(() => {
    const host = hostRef.current as ChartHostElement | null;
    let observer: ResizeObserver | undefined;
    if (host && typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver((entries) => {
        const box = entries[entries.length - 1]?.contentRect;
        const chart = chartRef.current;
        // A hidden panel reports 0×0; resizing to that would blank the chart until it shows again.
        if (chart && box && box.width > 0 && box.height > 0) chart.resize({ width: box.width, height: box.height });
      });
      observer.observe(host);
    }
    return () => {
      observer?.disconnect();
      sequenceRef.current += 1;
      chartRef.current?.dispose();
      chartRef.current = null;
      shapeRef.current = '';
      if (host) {
        delete host.sightlineChart;
        host.removeAttribute('data-painted');
      }
    };
  }, [renderer]);

  useEffect(() => {
    const host = hostRef.current as ChartHostElement | null;
    if (!host) return;
    const sequence = ++sequenceRef.current;
    const needed = parts ?? partsForOption(option, renderer);
    loadECharts(needed.includes(renderer) ? needed : [...needed, renderer]).then(
      (core) => {
        // A newer option (or an unmount) came while the parts were loading: that one wins.
        if (sequence !== sequenceRef.current) return;
        let chart = chartRef.current;
        if (!chart) {
          chart = core.init(host, echartsTheme(themeRef.current), {
            renderer,
            width: host.clientWidth || FALLBACK_WIDTH,
            height: heightRef.current ?? (host.clientHeight || FALLBACK_HEIGHT),
          });
          let painted = false;
          chart.on('finished', () => {
            if (painted) return;
            painted = true;
            performance.mark(`sightline:chart:${panelIdRef.current ?? 'chart'}`);
            host.setAttribute('data-painted', 'true');
          });
          chart.on('click', (params) => onClickRef.current?.(params as ChartClickParams));
          chartRef.current = chart;
          host.sightlineChart = chart;
        }
        const shape = optionShape(option);
        if (shape === shapeRef.current) chart.setOption(option, { replaceMerge: ['series'] });
        else chart.setOption(option, { notMerge: true });
        shapeRef.current = shape;
        setFailed(false);
      },
      () => {
        if (sequence === sequenceRef.current) setFailed(true);
      },
    );
  }, [option, parts, renderer]);

  useEffect(() => {
    if (themeRef.current === theme) return;
    themeRef.current = theme;
    // ECharts 6 swaps the theme in place: the same instance repaints, so no frame is ever blank.
    chartRef.current?.setTheme(echartsTheme(theme));
  }, [theme]);

  const style = height !== undefined ? { height: `${height}px` } : undefined;
  return (
    <div className="echart-frame" style={style}>
      <div ref={hostRef} className="echart" data-chart-kind={kind ?? seriesTypes(option)[0] ?? 'chart'} role="img" aria-label={ariaLabel} />
      {failed && <p className="echart-failed" role="alert">This chart could not be loaded. Reload the page to try again.</p>}
    </div>
  );
}
