/**
 * Colours for canvases and charts come from VS Code's theme variables, read at draw
 * time, so a theme switch (VS Code changes the body's class) redraws in the new colours.
 */
export function themeColor(variable: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return v || fallback;
}

export interface ChartPalette {
  foreground: string;
  muted: string;
  grid: string;
  series: string[];
  real: string;
  fake: string;
}

export function chartPalette(): ChartPalette {
  const fg = themeColor('--vscode-foreground', '#cccccc');
  return {
    foreground: fg,
    muted: themeColor('--vscode-descriptionForeground', '#9d9d9d'),
    grid: themeColor('--vscode-editorWidget-border', themeColor('--vscode-panel-border', '#80808040')),
    series: [
      themeColor('--vscode-charts-blue', '#3794ff'),
      themeColor('--vscode-charts-orange', '#d18616'),
      themeColor('--vscode-charts-green', '#89d185'),
      themeColor('--vscode-charts-purple', '#b180d7'),
      themeColor('--vscode-charts-red', '#f14c4c'),
      themeColor('--vscode-charts-yellow', '#cca700'),
    ],
    real: themeColor('--vscode-charts-green', '#89d185'),
    fake: themeColor('--vscode-charts-orange', '#d18616'),
  };
}

/** Calls `redraw` whenever VS Code switches the theme (it rewrites the body's classes). */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

/** "#rrggbb" or "#rgb" plus an alpha in [0, 1] -> "rgba(...)"; other colour syntaxes pass through. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (!m) return color;
  let hex = m[1];
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  const r = parseInt(hex.slice(0, 2), 16);
  const g = parseInt(hex.slice(2, 4), 16);
  const b = parseInt(hex.slice(4, 6), 16);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
