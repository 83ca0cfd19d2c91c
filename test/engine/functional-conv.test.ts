import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, Tensor, setBackend, referenceBackend, type Backend, type Conv2dGeometry, randn } from '../../src/engine';
import { assertClose, assertGradOk, leaf } from '../helpers/finiteDiff';

/** The defining sum, written as plainly as possible, to check the im2col path against. */
function directConv(x: Tensor, w: Tensor, b: Tensor | null, stride: number, padding: number): number[] {
  const [n, c, h, wd] = x.shape,
    [o, , kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * padding - kh) / stride) + 1,
    ow = Math.floor((wd + 2 * padding - kw) / stride) + 1;
  const out: number[] = [];
  for (let s = 0; s < n; s++)
    for (let k = 0; k < o; k++)
      for (let p = 0; p < oh; p++)
        for (let q = 0; q < ow; q++) {
          let acc = b ? b.data[k] : 0;
          for (let ch = 0; ch < c; ch++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const r = p * stride + i - padding,
                  col = q * stride + j - padding;
                if (r >= 0 && r < h && col >= 0 && col < wd)
                  acc += w.data[((k * c + ch) * kh + i) * kw + j] * x.data[((s * c + ch) * h + r) * wd + col];
              }
          out.push(acc);
        }
  return out;
}

test('conv2d: a hand-computable case (3x3 input, 2x2 kernel of ones, with and without padding)', () => {
  const x = tensor([
    [
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    ],
  ]);
  const w = tensor([
    [
      [
        [1, 1],
        [1, 1],
      ],
    ],
  ]);
  assert.deepEqual(F.conv2d(x, w).toArray(), [
    [
      [
        [12, 16],
        [24, 28],
      ],
    ],
  ]);
  assert.deepEqual(F.conv2d(x, w, tensor([1])).toArray(), [
    [
      [
        [13, 17],
        [25, 29],
      ],
    ],
  ]);
  assert.deepEqual(F.conv2d(x, w, null, { padding: 1, stride: 2 }).toArray(), [
    [
      [
        [1, 5],
        [11, 28],
      ],
    ],
  ]);
});

test('conv2d: matches the direct sum over strides, paddings and channel counts', () => {
  for (const [xs, ws, stride, padding, seed] of [
    [[2, 3, 6, 5], [4, 3, 3, 3], 1, 1, 1],
    [[1, 2, 7, 7], [3, 2, 3, 3], 2, 0, 2],
    [[3, 1, 5, 6], [2, 1, 2, 3], 2, 1, 3],
    [[1, 4, 4, 4], [5, 4, 1, 1], 1, 0, 4],
  ] as [number[], number[], number, number, number][]) {
    const x = leaf(xs, seed),
      w = leaf(ws, seed + 1),
      b = leaf([ws[0]], seed + 2);
    assertClose(F.conv2d(x, w, b, { stride, padding }).data, directConv(x, w, b, stride, padding), 1e-13, `conv ${xs} ${ws}`);
  }
});

test('conv2d: output size O = floor((W - F + 2P)/S) + 1', () => {
  const y = F.conv2d(leaf([1, 3, 32, 32], 1), leaf([8, 3, 5, 5], 2), null, { stride: 3, padding: 2 });
  assert.deepEqual(y.shape, [1, 8, Math.floor((32 - 5 + 4) / 3) + 1, Math.floor((32 - 5 + 4) / 3) + 1]);
  assert.equal(F.convOutputSize(32, 3, 1, 1), 32);
});

test('conv2d: backward (input, weight, bias) matches central differences', () => {
  for (const [xs, ws, stride, padding, seed] of [
    [[2, 2, 5, 5], [3, 2, 3, 3], 1, 1, 1],
    [[1, 3, 6, 5], [2, 3, 2, 2], 2, 0, 2],
    [[2, 1, 5, 5], [2, 1, 3, 3], 2, 1, 3],
  ] as [number[], number[], number, number, number][]) {
    assertGradOk(`conv2d ${xs} ${ws} s${stride} p${padding}`, (x, w, b) => F.conv2d(x, w, b, { stride, padding }), [
      leaf(xs, seed),
      leaf(ws, seed + 1),
      leaf([ws[0]], seed + 2),
    ]);
  }
  assertGradOk('conv2d no bias', (x, w) => F.conv2d(x, w), [leaf([1, 2, 4, 4], 7), leaf([2, 2, 3, 3], 8)]);
});

test("conv2d: uses a backend's fused kernels for float32 when it has them, with the same results", () => {
  const calls: string[] = [];
  const naive = (x: Float32Array | Float64Array, w: Float32Array | Float64Array, g: Conv2dGeometry) =>
    directConv(
      new Tensor(Float64Array.from(x), [g.n, g.c, g.h, g.w]),
      new Tensor(Float64Array.from(w), [g.o, g.c, g.kh, g.kw]),
      null,
      g.stride,
      g.padding,
    );
  const fused: Backend = {
    name: 'test-fused',
    description: 'direct loops standing in for a fast backend',
    gemm: (args) => referenceBackend.gemm(args),
    conv2dForward(x, w, out, g) {
      calls.push('forward');
      out.set(naive(x, w, g));
    },
    conv2dBackwardInput(gOut, w, gx, g) {
      calls.push('input');
      // dx by the definition: each output gradient spreads over its receptive field
      for (let s = 0; s < g.n; s++)
        for (let o = 0; o < g.o; o++)
          for (let p = 0; p < g.oh; p++)
            for (let q = 0; q < g.ow; q++) {
              const gv = gOut[((s * g.o + o) * g.oh + p) * g.ow + q];
              for (let c = 0; c < g.c; c++)
                for (let i = 0; i < g.kh; i++)
                  for (let j = 0; j < g.kw; j++) {
                    const r = p * g.stride + i - g.padding,
                      col = q * g.stride + j - g.padding;
                    if (r >= 0 && r < g.h && col >= 0 && col < g.w)
                      gx[((s * g.c + c) * g.h + r) * g.w + col] += gv * w[((o * g.c + c) * g.kh + i) * g.kw + j];
                  }
            }
    },
    conv2dBackwardWeight(x, gOut, gw, g) {
      calls.push('weight');
      for (let s = 0; s < g.n; s++)
        for (let o = 0; o < g.o; o++)
          for (let p = 0; p < g.oh; p++)
            for (let q = 0; q < g.ow; q++) {
              const gv = gOut[((s * g.o + o) * g.oh + p) * g.ow + q];
              for (let c = 0; c < g.c; c++)
                for (let i = 0; i < g.kh; i++)
                  for (let j = 0; j < g.kw; j++) {
                    const r = p * g.stride + i - g.padding,
                      col = q * g.stride + j - g.padding;
                    if (r >= 0 && r < g.h && col >= 0 && col < g.w)
                      gw[((o * g.c + c) * g.kh + i) * g.kw + j] += gv * x[((s * g.c + c) * g.h + r) * g.w + col];
                  }
            }
    },
  };
  const run = () => {
    const x = randn([2, 3, 6, 6], { seed: 1, dtype: 'float32', requiresGrad: true });
    const w = randn([4, 3, 3, 3], { seed: 2, dtype: 'float32', requiresGrad: true });
    const b = randn([4], { seed: 3, dtype: 'float32', requiresGrad: true });
    const y = F.conv2d(x, w, b, { stride: 2, padding: 1 });
    y.backward(randn(y.shape, { seed: 4, dtype: 'float32' }));
    return [y.data, x.grad!.data, w.grad!.data, b.grad!.data];
  };
  const expected = run();
  const prev = setBackend(fused);
  let got: ArrayLike<number>[];
  try {
    got = run();
  } finally {
    setBackend(prev);
  }
  assert.deepEqual(calls, ['forward', 'input', 'weight']);
  got.forEach((g, i) => assertClose(g, expected[i], 1e-5, `output ${i}`));
  // float64 never goes to the active backend
  setBackend(fused);
  try {
    F.conv2d(leaf([1, 1, 3, 3], 1), leaf([1, 1, 2, 2], 2));
  } finally {
    setBackend(prev);
  }
  assert.equal(calls.length, 3);
});

test('maxPool2d / avgPool2d: hand-computable cases', () => {
  const x = tensor([
    [
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
        [13, 14, 15, 16],
      ],
    ],
  ]);
  assert.deepEqual(F.maxPool2d(x, { kernelSize: 2 }).toArray(), [
    [
      [
        [6, 8],
        [14, 16],
      ],
    ],
  ]);
  assert.deepEqual(F.avgPool2d(x, { kernelSize: 2 }).toArray(), [
    [
      [
        [3.5, 5.5],
        [11.5, 13.5],
      ],
    ],
  ]);
  assert.deepEqual(F.maxPool2d(x, { kernelSize: 3, stride: 1 }).toArray(), [
    [
      [
        [11, 12],
        [15, 16],
      ],
    ],
  ]);
  // padding: max ignores the pad, the average counts it (count_include_pad)
  assert.deepEqual(F.maxPool2d(x, { kernelSize: 2, stride: 2, padding: 1 }).toArray(), [
    [
      [
        [1, 3, 4],
        [9, 11, 12],
        [13, 15, 16],
      ],
    ],
  ]);
  assert.deepEqual(
    F.avgPool2d(
      tensor([
        [
          [
            [4, 8],
            [12, 16],
          ],
        ],
      ]),
      { kernelSize: 2, stride: 2, padding: 1 },
    ).toArray(),
    [
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ],
  );
});

test("maxPool2d: the gradient goes to each window's max only", () => {
  const x = tensor(
    [
      [
        [
          [1, 9, 2, 3],
          [4, 5, 8, 1],
          [0, 0, 0, 0],
          [0, 7, 0, 0],
        ],
      ],
    ],
    { requiresGrad: true },
  );
  F.maxPool2d(x, { kernelSize: 2 }).backward(
    tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]),
  );
  assert.deepEqual(x.grad!.toArray(), [
    [
      [
        [0, 1, 0, 0],
        [0, 0, 2, 0],
        [0, 0, 4, 0],
        [0, 3, 0, 0],
      ],
    ],
  ]);
});

test('pooling: backward matches central differences', () => {
  for (const [shape, k, s, p, seed] of [
    [[2, 2, 4, 4], 2, 2, 0, 1],
    [[1, 3, 5, 5], 3, 2, 1, 2],
    [[2, 1, 5, 4], 2, 1, 1, 3],
  ] as [number[], number, number, number, number][]) {
    assertGradOk(`maxPool2d ${shape} k${k} s${s} p${p}`, (x) => F.maxPool2d(x, { kernelSize: k, stride: s, padding: p }), [
      leaf(shape, seed),
    ]);
    assertGradOk(`avgPool2d ${shape} k${k} s${s} p${p}`, (x) => F.avgPool2d(x, { kernelSize: k, stride: s, padding: p }), [
      leaf(shape, seed),
    ]);
  }
});

test('conv2d / pooling: bad input names the op and the shapes', () => {
  const x = leaf([1, 3, 5, 5], 1);
  assert.throws(
    () => F.conv2d(x, leaf([2, 4, 3, 3], 2)),
    /^EngineError: conv2d: input shape \[1, 3, 5, 5\] has 3 channels but weight shape \[2, 4, 3, 3\] expects 4/,
  );
  assert.throws(() => F.conv2d(leaf([3, 5, 5], 1), leaf([2, 3, 3, 3], 2)), /conv2d: input must be \[N, C, H, W\], got shape \[3, 5, 5\]/);
  assert.throws(
    () => F.conv2d(x, leaf([2, 3, 7, 7], 2)),
    /conv2d: kernel 7x7 is larger than the padded input 5x5 \(input \[1, 3, 5, 5\], weight \[2, 3, 7, 7\], padding 0\)/,
  );
  assert.throws(
    () => F.conv2d(x, leaf([2, 3, 3, 3], 2), leaf([3], 3)),
    /conv2d: bias shape \[3\] does not match the 2 output channels of weight \[2, 3, 3, 3\]/,
  );
  assert.throws(
    () => F.conv2d(x, randn([2, 3, 3, 3], { seed: 1, dtype: 'float32' })),
    /conv2d: dtype mismatch: input is float64 \[1, 3, 5, 5\] but weight is float32 \[2, 3, 3, 3\]/,
  );
  assert.throws(() => F.conv2d(x, leaf([2, 3, 3, 3], 2), null, { stride: 0 }), /conv2d: stride must be an integer >= 1, got 0/);
  assert.throws(() => F.maxPool2d(leaf([2, 4], 1), { kernelSize: 2 }), /maxPool2d: input must be \[N, C, H, W\], got shape \[2, 4\]/);
  assert.throws(() => F.maxPool2d(x, { kernelSize: 2, padding: 2 }), /maxPool2d: padding 2 must be at most half the kernel size 2/);
  assert.throws(() => F.avgPool2d(x, { kernelSize: 6 }), /avgPool2d: kernel 6x6 does not fit the padded input of shape \[1, 3, 5, 5\]/);
});
