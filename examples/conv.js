// A 2-D convolution, course-style (plain JavaScript, nested arrays, loops):
// x [N, C, H, W], w [F, C, HH, WW], b [F], stride 1, zero padding 1, so the output
// is [N, F, H', W'] with H' = (H − HH + 2P)/S + 1.
//
// Backward: db[f] = Σ dout[n,f,·,·];  dw[f,c,i,j] = Σ dout[n,f,y,x] · xpad[n,c,y+i,x+j];
// dx[n,c,y+i−P,x+j−P] += dout[n,f,y,x] · w[f,c,i,j] (inside the unpadded input).

const STRIDE = 1;
const PAD = 1;

const zeros = (...shape) => (shape.length === 1 ? new Array(shape[0]).fill(0) : Array.from({ length: shape[0] }, () => zeros(...shape.slice(1))));

function dims(x, w) {
  const [N, C, H, W] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
  const [F, , HH, WW] = [w.length, w[0].length, w[0][0].length, w[0][0][0].length];
  const Ho = (H - HH + 2 * PAD) / STRIDE + 1;
  const Wo = (W - WW + 2 * PAD) / STRIDE + 1;
  return { N, C, H, W, F, HH, WW, Ho, Wo };
}

/** The input value at padded coordinates (zero outside the image). */
const at = (img, yy, xx) => (yy < 0 || xx < 0 || yy >= img.length || xx >= img[0].length ? 0 : img[yy][xx]);

/** @gradcheck x:[2,3,5,5] w:[4,3,3,3] b:[4] */
export function convForward(x, w, b) {
  const { N, C, F, HH, WW, Ho, Wo } = dims(x, w);
  const out = zeros(N, F, Ho, Wo);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let y = 0; y < Ho; y++)
        for (let xo = 0; xo < Wo; xo++) {
          let s = b[f];
          for (let c = 0; c < C; c++)
            for (let i = 0; i < HH; i++)
              for (let j = 0; j < WW; j++) s += w[f][c][i][j] * at(x[n][c], y * STRIDE + i - PAD, xo * STRIDE + j - PAD);
          out[n][f][y][xo] = s;
        }
  return [out, { x, w }];
}

export function convBackward(dout, { x, w }) {
  const { N, C, H, W, F, HH, WW, Ho, Wo } = dims(x, w);
  const dx = zeros(N, C, H, W);
  const dw = zeros(F, C, HH, WW);
  const db = zeros(F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let y = 0; y < Ho; y++)
        for (let xo = 0; xo < Wo; xo++) {
          const g = dout[n][f][y][xo];
          db[f] += g;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < HH; i++)
              for (let j = 0; j < WW; j++) {
                const yy = y * STRIDE + i - PAD;
                const xx = xo * STRIDE + j - PAD;
                if (yy < 0 || xx < 0 || yy >= H || xx >= W) continue;
                dw[f][c][i][j] += g * x[n][c][yy][xx];
                dx[n][c][yy][xx] += g * w[f][c][i][j];
              }
        }
  return { x: dx, w: dw, b: db };
}
