import { useId } from 'react';
import type { ThemePreference } from './theme-store';
import { useThemePreference } from './useTheme';

/** The theme control: system, light or dark. */
export function ThemeSelect() {
  const [preference, setPreference] = useThemePreference();
  const id = useId();
  return (
    <span className="field-inline">
      <label htmlFor={id}>Theme</label>
      <select id={id} data-testid="theme-select" value={preference} onChange={(e) => setPreference(e.target.value as ThemePreference)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </span>
  );
}
