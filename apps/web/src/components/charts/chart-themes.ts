import type { ResolvedTheme } from '../../features/panels/types';

// The ECharts themes mirror the app's CSS variables (styles.css). They are constants, not read from
// the CSS at run time: when the theme flips, this chart's effect runs before the page has switched
// `data-theme`, so computed styles would still hold the old theme's colours.

/** Series colours readable on both the light and the dark surface. */
export const SERIES_PALETTE = ['#4f7cff', '#18a999', '#f2a33a', '#e0567a', '#8b6cf0', '#3bb0e0', '#9bbf3a', '#d9734e', '#c062c9', '#6f8aa8'];

export interface ThemeColours {
  text: string;
  textMuted: string;
  border: string;
  surface: string;
  bg: string;
  good: string;
  warning: string;
  critical: string;
}

export const THEME_COLOURS: Record<ResolvedTheme, ThemeColours> = {
  light: { text: '#161b26', textMuted: '#5b6477', border: '#dde2ec', surface: '#ffffff', bg: '#f5f7fb', good: '#2b8a3e', warning: '#c27c0e', critical: '#c92a2a' },
  dark: { text: '#e6e9ef', textMuted: '#9aa3b5', border: '#2c3444', surface: '#171c25', bg: '#0f131a', good: '#51cf66', warning: '#fcc419', critical: '#ff6b6b' },
};

function axisTheme(colours: ThemeColours, showSplit: boolean): Record<string, unknown> {
  return {
    axisLine: { show: true, lineStyle: { color: colours.border } },
    axisTick: { show: false, lineStyle: { color: colours.border } },
    axisLabel: { color: colours.textMuted },
    splitLine: { show: showSplit, lineStyle: { color: colours.border, type: 'dashed' } },
    nameTextStyle: { color: colours.textMuted },
  };
}

/** The ECharts theme object for a resolved theme (transparent background: the panel surface shows). */
export function echartsTheme(theme: ResolvedTheme): Record<string, unknown> {
  const c = THEME_COLOURS[theme];
  return {
    color: SERIES_PALETTE,
    backgroundColor: 'transparent',
    textStyle: { color: c.text, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    title: { textStyle: { color: c.text }, subtextStyle: { color: c.textMuted } },
    legend: { textStyle: { color: c.textMuted }, pageTextStyle: { color: c.textMuted }, pageIconColor: c.text, pageIconInactiveColor: c.border },
    tooltip: {
      backgroundColor: c.surface,
      borderColor: c.border,
      textStyle: { color: c.text },
      axisPointer: { lineStyle: { color: c.textMuted }, crossStyle: { color: c.textMuted }, label: { backgroundColor: c.textMuted, color: c.surface } },
    },
    categoryAxis: axisTheme(c, false),
    valueAxis: { ...axisTheme(c, true), axisLine: { show: false, lineStyle: { color: c.border } } },
    timeAxis: axisTheme(c, false),
    logAxis: axisTheme(c, true),
    visualMap: { textStyle: { color: c.textMuted } },
    gauge: { title: { color: c.textMuted }, detail: { color: c.text } },
    funnel: { itemStyle: { borderColor: c.surface } },
    pie: { itemStyle: { borderColor: c.surface }, label: { color: c.textMuted }, labelLine: { lineStyle: { color: c.border } } },
    line: { symbolSize: 5 },
  };
}
