import { useSyncExternalStore } from 'react';
import { getPreference, getResolvedTheme, setPreference, subscribeTheme, type ResolvedTheme, type ThemePreference } from './theme-store';

/** The chosen theme (system, light, dark) and its setter. */
export function useThemePreference(): [ThemePreference, (next: ThemePreference) => void] {
  return [useSyncExternalStore(subscribeTheme, getPreference), setPreference];
}

/** The theme actually drawn, `system` resolved: what charts get. */
export function useResolvedTheme(): ResolvedTheme {
  return useSyncExternalStore(subscribeTheme, getResolvedTheme);
}
