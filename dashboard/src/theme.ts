/** Light or dark: the system's choice until the person picks one (kept in this browser's localStorage). */
import { createContext } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Theme = 'light' | 'dark';
const ITEM = 'anyrouter.theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(ITEM);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [
    theme,
    (t) => {
      localStorage.setItem(ITEM, t);
      setTheme(t);
    },
  ];
}

/** A CSS custom property's value now (charts draw on canvas and need concrete colours). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The theme in force, for what draws its own colours (charts). */
export const ThemeContext = createContext<Theme>('light');
