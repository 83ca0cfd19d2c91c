/**
 * Optimisers with PyTorch's update rules (torch 1.13), applied in place to the
 * parameters' storage. Weight decay is L2 added to the gradient: g ← g + λθ.
 *
 * SGD:  b ← g (first step), else b ← μ b + (1 - dampening) g;  θ ← θ - lr · (nesterov ? g + μ b : b)
 * Adam: m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²;
 *       θ ← θ - (lr / (1 - β1ᵗ)) · m / (√v / √(1 - β2ᵗ) + ε)
 */
import { requireOptions } from './args';
import { allocate, describe, EngineError, type FloatStorage, Tensor, zeroGradFor } from './tensor';

export interface Optimizer {
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  zeroGrad(): void;
  step(): void;
}

function checkParams(op: string, params: Iterable<Tensor>): Tensor[] {
  if (params == null || typeof params === 'string' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new EngineError(op, `params must be the tensors to optimise, e.g. model.parameters(), got ${describe(params)}`);
  }
  const list = [...params];
  if (!list.length) throw new EngineError(op, 'got an empty parameter list');
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new EngineError(op, `parameter ${i} must be a Tensor, got ${describe(p)}`);
    if (p.dtype === 'bool') throw new EngineError(op, `parameter ${i} is a bool tensor`);
    if (!p.requiresGrad) throw new EngineError(op, `parameter ${i} (shape [${p.shape.join(', ')}]) does not require grad`);
    if (!p.isLeaf) throw new EngineError(op, `parameter ${i} is not a leaf tensor; optimise the leaves (requiresGrad tensors you created)`);
  });
  return list;
}

function checkNumber(op: string, name: string, v: unknown, lo: number, hi = Infinity, loOpen = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (loOpen && v === lo)) {
    throw new EngineError(
      op,
      `${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞)' : `${hi}]`}, got ${String(v)}`,
    );
  }
  return v;
}

/** Replace every gradient by zeros (PyTorch 1.13's zero_grad() default, set_to_none = False). */
function zeroGrads(params: Tensor[]): void {
  for (const p of params) if (p.grad) p.grad = zeroGradFor(p);
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD implements Optimizer {
  readonly params: Tensor[];
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<Tensor, FloatStorage>();

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    this.params = checkParams('SGD', params);
    if (!opts || typeof opts !== 'object')
      throw new EngineError('SGD', `opts must be an options object { lr, momentum?, weightDecay? }, got ${describe(opts)}`);
    this.lr = checkNumber('SGD', 'lr', opts.lr, 0);
    this.momentum = checkNumber('SGD', 'momentum', opts.momentum ?? 0, 0);
    this.dampening = checkNumber('SGD', 'dampening', opts.dampening ?? 0, 0, 1);
    this.weightDecay = checkNumber('SGD', 'weightDecay', opts.weightDecay ?? 0, 0);
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0))
      throw new EngineError('SGD', 'nesterov needs momentum > 0 and dampening 0');
  }

  zeroGrad(): void {
    zeroGrads(this.params);
  }

  step(): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    for (const p of this.params) {
      if (!p.grad) continue;
      const theta = p.data as FloatStorage,
        grad = p.grad.data as FloatStorage;
      let buf = this.buffers.get(p);
      const first = !buf;
      if (mu !== 0 && !buf) {
        buf = allocate(p.dtype, p.size) as FloatStorage;
        this.buffers.set(p, buf);
      }
      for (let i = 0; i < theta.length; i++) {
        let d = grad[i] + wd * theta[i];
        if (buf) {
          const b = first ? d : mu * buf[i] + (1 - dampening) * d;
          buf[i] = b;
          d = nesterov ? d + mu * b : b;
        }
        theta[i] -= lr * d;
      }
    }
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

interface AdamState {
  step: number;
  m: FloatStorage;
  v: FloatStorage;
}

export class Adam implements Optimizer {
  readonly params: Tensor[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<Tensor, AdamState>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    this.params = checkParams('Adam', params);
    const opts = requireOptions('Adam', 'opts', options);
    this.lr = checkNumber('Adam', 'lr', opts.lr ?? 1e-3, 0);
    const betas = opts.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new EngineError('Adam', `betas must be [beta1, beta2], got ${String(betas)}`);
    this.betas = [checkNumber('Adam', 'betas[0]', betas[0], 0, 1), checkNumber('Adam', 'betas[1]', betas[1], 0, 1)];
    if (this.betas[0] === 1 || this.betas[1] === 1) throw new EngineError('Adam', 'betas must be below 1');
    this.eps = checkNumber('Adam', 'eps', opts.eps ?? 1e-8, 0);
    this.weightDecay = checkNumber('Adam', 'weightDecay', opts.weightDecay ?? 0, 0);
  }

  zeroGrad(): void {
    zeroGrads(this.params);
  }

  /** The number of steps taken for a parameter (0 before its first gradient). */
  stepCount(p: Tensor): number {
    return this.state.get(p)?.step ?? 0;
  }

  step(): void {
    const [b1, b2] = this.betas;
    const { lr, eps, weightDecay: wd } = this;
    for (const p of this.params) {
      if (!p.grad) continue;
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0, m: allocate(p.dtype, p.size) as FloatStorage, v: allocate(p.dtype, p.size) as FloatStorage };
        this.state.set(p, s);
      }
      s.step++;
      const bc1 = 1 - b1 ** s.step;
      // one division per element: 1/√(1 - β2ᵗ) becomes a per-step multiplier
      const invBc2Sqrt = 1 / Math.sqrt(1 - b2 ** s.step);
      const stepSize = lr / bc1,
        w1 = 1 - b1,
        w2 = 1 - b2;
      const theta = p.data as FloatStorage,
        grad = p.grad.data as FloatStorage,
        m = s.m,
        v = s.v;
      for (let i = 0; i < theta.length; i++) {
        const g = grad[i] + wd * theta[i];
        m[i] = b1 * m[i] + w1 * g;
        v[i] = b2 * v[i] + w2 * g * g;
        // m and v are read back so the update uses their stored (dtype-rounded) values
        theta[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) * invBc2Sqrt + eps);
      }
    }
  }
}
