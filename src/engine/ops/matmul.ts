/**
 * Matrix multiplication, batched with broadcasting over leading dims.
 * C = A B  =>  dA = dC B^T,  dB = A^T dC  (summed over broadcast batch dims).
 */
import { requireTensor } from '../args';
import { backendFor } from '../backend';
import { allocate, EngineError, fmtShape, type FloatStorage, record, sizeOf, Tensor } from '../tensor';
import { broadcastShapes, broadcastStrides, offsetTable } from './indexing';
import { resultDtype } from './elementwise';
import { sumTo } from './reduce';
import { reshape } from './shape';

/** Batched product of 2-D-or-more tensors with optional transposes of the last two dims. */
export function bmm(a: Tensor, b: Tensor, transA = false, transB = false, op = 'matmul'): Tensor {
  const dtype = resultDtype(op, a, b);
  if (dtype === 'bool') throw new EngineError(op, 'bool tensors cannot be multiplied');
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar,
    k = transA ? ar : ac;
  const k2 = transB ? bc : br,
    n = transB ? br : bc;
  if (k !== k2) {
    throw new EngineError(
      op,
      `inner dimensions differ: ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} @ ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${k2})`,
    );
  }
  const batchShape = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const aOff = offsetTable(batchShape, broadcastStrides(a.shape.slice(0, -2), batchShape));
  const bOff = offsetTable(batchShape, broadcastStrides(b.shape.slice(0, -2), batchShape));
  const out = allocate(dtype, batch * m * n) as FloatStorage;
  // A kernel sees one storage type: an operand of another dtype (a bool mask, float32
  // next to float64) is converted to the result's first.
  const ad = storageOf(a, dtype),
    bd = storageOf(b, dtype);
  const backend = backendFor(out);
  for (let i = 0; i < Math.max(batch, 1); i++) {
    backend.gemm({
      a: ad.subarray(aOff[i] * ar * ac, (aOff[i] + 1) * ar * ac),
      b: bd.subarray(bOff[i] * br * bc, (bOff[i] + 1) * br * bc),
      c: out.subarray(i * m * n, (i + 1) * m * n),
      m,
      n,
      k,
      transA,
      transB,
    });
  }
  return new Tensor(out, [...batchShape, m, n], dtype);
}

function storageOf(t: Tensor, dtype: 'float32' | 'float64'): FloatStorage {
  if (t.dtype === dtype) return t.data as FloatStorage;
  return dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  requireTensor('matmul', 'input', a);
  requireTensor('matmul', 'other', b);
  if (a.ndim === 0 || b.ndim === 0)
    throw new EngineError('matmul', `both arguments need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  // Vectors become a row (on the left) or a column (on the right), as in PyTorch.
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new EngineError(
      'matmul',
      `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${a2.shape[a2.ndim - 1]} vs ${b2.shape[b2.ndim - 2]})`,
    );
  }
  const prod = record('matmul', bmm(a2, b2), [a2, b2], (g) => [
    a2.requiresGrad ? sumTo(bmm(g, b2, false, true), a2.shape) : null, // dA = dC Bᵀ
    b2.requiresGrad ? sumTo(bmm(a2, g, true, false), b2.shape) : null, // dB = Aᵀ dC
  ]);
  let shape = prod.shape;
  if (a.ndim === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]];
  if (b.ndim === 1) shape = shape.slice(0, -1);
  return shape.length === prod.ndim ? prod : reshape(prod, shape);
}
