/**
 * The charts' colours: VS Code's own chart colours, so the curves match the editor's
 * theme, read at draw time so a redraw after a theme switch picks up the new ones.
 */
import { themeColor } from '../shared/colour';

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
