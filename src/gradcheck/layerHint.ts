import type { InputReport, LayerFinding } from './types';

/**
 * A finding about the layer as a whole, from which of its inputs passed and which
 * failed. Backpropagation sends one gradient back from the output and branches it to
 * every input; where the gradients of some inputs are right, the part of the backward
 * they go through is right too, so a slip lies on the way from there to the inputs that
 * fail. Only the input names are known, so the layer's structure is inferred no further
 * than they show: names numbered like W1, b1, W2, b2 are read as layers 1 and 2.
 */
export function passFailFinding(inputs: readonly InputReport[]): LayerFinding | undefined {
  const passing = inputs.filter((i) => i.status === 'passed').map((i) => i.name);
  const failing = inputs.filter((i) => i.status === 'failed').map((i) => i.name);
  if (passing.length === 0 || failing.length === 0) return undefined;
  const opening = `${listOf(passing)} ${passing.length === 1 ? 'is' : 'are'} right but ${listOf(failing)} ${failing.length === 1 ? 'is' : 'are'} wrong`;
  const finding = (text: string): LayerFinding => ({ kind: 'pass-fail', short: opening, text });
  const layers = layerOrder(
    passing,
    failing,
    inputs.map((i) => i.name),
  );
  if (layers) {
    const { right, wrong, read } = layers;
    return finding(
      `${opening}; reading layers from the input names ${listOf(read)}: the gradient is right at layer ${right} and goes wrong where it flows back into layer ${wrong} ` +
        `(check the step that computes the gradient at layer ${wrong}'s output, e.g. dE/dz${wrong}: which weight it is multiplied by, ` +
        `whether that weight is transposed, and the activation's gate)`,
    );
  }
  const reached = `${opening}: the gradient is right where it reaches ${listOf(passing)}, so the slip is in what only`;
  if (failing.length === 1)
    return finding(`${reached} ${failing[0]}'s gradient goes through: its own formula, or the last step back to it`);
  return finding(
    `${reached} the gradients of ${listOf(failing)} go through: their own formulas, or a step they share after the gradient has flowed back past ${listOf(passing)}`,
  );
}

/**
 * When every passing input is numbered (W2, b2) and the numbered failing inputs (there
 * must be some) all have lower numbers (W1, b1), the numbers read as layers and the
 * gradient goes wrong between them: right = the lowest passing layer, wrong = the
 * highest failing one. Unnumbered failing inputs (x) are taken to come before layer 1.
 * `read` names the inputs whose numbers were read, in input order, so the finding can
 * show that its layers are a guess from names, not the layer's structure.
 */
function layerOrder(
  passing: string[],
  failing: string[],
  order: readonly string[],
): { right: number; wrong: number; read: string[] } | undefined {
  const layerOf = (name: string): number | undefined => {
    const m = /^[A-Za-z_$][A-Za-z_$]*?_?(\d+)$/.exec(name);
    return m ? Number(m[1]) : undefined;
  };
  const passLayers = passing.map(layerOf);
  if (passLayers.some((l) => l === undefined)) return undefined;
  const right = Math.min(...(passLayers as number[]));
  const failLayers = failing.map(layerOf).filter((l): l is number => l !== undefined);
  if (failLayers.length === 0 || failLayers.some((l) => l >= right)) return undefined;
  const read = order.filter((name) => layerOf(name) !== undefined && (passing.includes(name) || failing.includes(name)));
  return { right, wrong: Math.max(...failLayers), read };
}

export function listOf(items: readonly string[]): string {
  return items.join(', ');
}
