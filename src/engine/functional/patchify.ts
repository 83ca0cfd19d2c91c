/**
 * ViT patches: [N, C, H, W] -> [N, (H/p)(W/p), p·p·C]. Patches are numbered row by
 * row across the image; within a patch the elements run in (row, column, channel)
 * order, i.e. einops' 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'. A 224x224 RGB image
 * at p = 16 gives 196 patches of 768. Only elements move, so the backward puts each
 * gradient back where its element came from.
 */
import { allocate, EngineError, fmtShape, type FloatStorage, record, Tensor } from '../tensor';
import { requireFloat } from './checks';

export function patchify(images: Tensor, patchSize: number): Tensor {
  const dtype = requireFloat('patchify', 'images', images);
  if (images.ndim !== 4) throw new EngineError('patchify', `images must be [N, C, H, W], got shape ${fmtShape(images.shape)}`);
  const p = patchSize;
  if (!Number.isInteger(p) || p < 1) throw new EngineError('patchify', `patchSize must be a positive integer, got ${String(p)}`);
  const [n, c, h, w] = images.shape;
  if (h % p !== 0 || w % p !== 0) {
    throw new EngineError('patchify', `image size ${h}x${w} (shape ${fmtShape(images.shape)}) is not divisible by patchSize ${p}`);
  }
  const gh = h / p,
    gw = w / p,
    patchLen = p * p * c;
  // src[k] = flat image index of output element k; the same table serves the backward
  const src = new Int32Array(images.size);
  let k = 0;
  for (let s = 0; s < n; s++)
    for (let py = 0; py < gh; py++)
      for (let px = 0; px < gw; px++)
        for (let i = 0; i < p; i++)
          for (let j = 0; j < p; j++) for (let ch = 0; ch < c; ch++) src[k++] = ((s * c + ch) * h + py * p + i) * w + px * p + j;
  const X = images.data as FloatStorage;
  const Y = allocate(dtype, images.size) as FloatStorage;
  for (let q = 0; q < Y.length; q++) Y[q] = X[src[q]];
  return record('patchify', new Tensor(Y, [n, gh * gw, patchLen], dtype), [images], (g) => {
    const G = g.data as FloatStorage;
    const D = allocate(dtype, images.size) as FloatStorage;
    for (let q = 0; q < G.length; q++) D[src[q]] = G[q];
    return [new Tensor(D, images.shape, dtype)];
  });
}
