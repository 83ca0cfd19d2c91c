// Problem 2: a two-layer network with a squared error, written course-style: plain
// JavaScript, nested arrays in and out, no imports. For each example n (a row of x):
//
//   z1 = W1 x + b1,  h = ReLU(z1),  ô = W2 h + b2,  E = ½ Σ_n ‖ô − o‖²
//
// and backward: dE/dô = ô − o,  dW2 = (ô − o) hᵀ,  db2 = ô − o,
//   dE/dz1 = W2ᵀ(ô − o) ⊙ 1(z1 > 0),  dW1 = dE/dz1 xᵀ,  db1 = dE/dz1,  dx = W1ᵀ dE/dz1,
// summed over the examples. examples/wrong/twoLayerNetSlip.js has the classic slip.

// Targets o, one row per example (fixed: they are data, not inputs to differentiate).
const targets = [
  [0.5, -1.0, 0.25, 2.0],
  [1.5, 0.0, -0.75, 0.5],
  [-0.5, 1.0, 1.25, -2.0],
];

const matVec = (M, v) => M.map((row) => row.reduce((s, m, j) => s + m * v[j], 0));
const matTVec = (M, v) => M[0].map((_, j) => M.reduce((s, row, i) => s + row[j] * v[i], 0));

/** @gradcheck x:[3,4] W1:[4,4] b1:[4] W2:[4,4] b2:[4] */
export function twoLayerNetForward(x, W1, b1, W2, b2) {
  let E = 0;
  const steps = x.map((xn, n) => {
    const z1 = matVec(W1, xn).map((z, i) => z + b1[i]);
    const h = z1.map((z) => Math.max(0, z));
    const oHat = matVec(W2, h).map((z, k) => z + b2[k]);
    const err = oHat.map((v, k) => v - targets[n][k]);
    E += 0.5 * err.reduce((s, e) => s + e * e, 0);
    return { xn, z1, h, err };
  });
  return [E, { steps, W1, W2 }];
}

export function twoLayerNetBackward(dout, cache) {
  const { steps, W1, W2 } = cache;
  const dW1 = W1.map((row) => row.map(() => 0));
  const db1 = W1.map(() => 0);
  const dW2 = W2.map((row) => row.map(() => 0));
  const db2 = W2.map(() => 0);
  const dx = steps.map(({ xn, z1, h, err }) => {
    const dOut = err.map((e) => e * dout);
    const dz1 = matTVec(W2, dOut).map((g, i) => (z1[i] > 0 ? g : 0));
    dOut.forEach((g, k) => {
      db2[k] += g;
      h.forEach((hj, j) => (dW2[k][j] += g * hj));
    });
    dz1.forEach((g, i) => {
      db1[i] += g;
      xn.forEach((xj, j) => (dW1[i][j] += g * xj));
    });
    return matTVec(W1, dz1);
  });
  return [dx, dW1, db1, dW2, db2];
}
