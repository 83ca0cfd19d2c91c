import type { DiscoveredLayer } from '../layers/types';

/**
 * The layer a cursor on `line` (0-based) means: the one whose definition contains it, else
 * the nearest one above it (the cursor sits in helper code below a layer), else the first.
 */
export function layerAtLine(layers: DiscoveredLayer[], line: number): DiscoveredLayer | undefined {
  const containing = layers.find((l) => line >= l.line && line <= l.endLine);
  if (containing) return containing;
  const above = layers.filter((l) => l.line <= line).sort((a, b) => b.line - a.line)[0];
  return above ?? layers[0];
}
