export type ThemePreference = 'system' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

export const THEME_KEY = 'sightline.theme';
const listeners = new Set<() => void>();
const darkQuery = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined;

function readPreference(): ThemePreference {
  try {
    const value = window.localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

let preference = readPreference();

function notify(): void {
  applyTheme();
  for (const listener of [...listeners]) listener();
}

export function getPreference(): ThemePreference {
  return preference;
}

export function getResolvedTheme(): ResolvedTheme {
  if (preference !== 'system') return preference;
  return darkQuery?.matches === true ? 'dark' : 'light';
}

export function setPreference(next: ThemePreference): void {
  preference = next;
  try {
    window.localStorage.setItem(THEME_KEY, next);
  } catch {
    // Private mode without storage: the choice lasts for this page.
  }
  notify();
}

export function subscribeTheme(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Sets `data-theme` on <html>, which the CSS variables key on. */
export function applyTheme(): void {
  const theme = getResolvedTheme();
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

// `system` follows the operating system's setting while the page is open.
darkQuery?.addEventListener('change', () => {
  if (preference === 'system') notify();
});
window.addEventListener('storage', (event) => {
  if (event.key !== THEME_KEY) return;
  preference = readPreference();
  notify();
});
