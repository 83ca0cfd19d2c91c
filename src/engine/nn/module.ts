/**
 * Module: the base of every layer. A module owns named parameters (tensors that
 * learn), buffers (state that does not learn, like batch norm's running mean) and
 * child modules, each registered explicitly so that parameters(), stateDict() and
 * train()/eval() can walk the tree in registration order, as PyTorch's do.
 */
import { requireOptions, requirePositiveInt } from '../args';
import { floatDtypeOption } from '../creation';
import { Rng, rngFrom } from '../rng';
import { allocate, describe, EngineError, fmtShape, type FloatDType, fromNested, type NestedArray, Tensor, zeroGradFor } from '../tensor';

export interface ModuleOptions {
  /** Default: getDefaultDtype() (float64, for gradient checks, unless setDefaultDtype says otherwise). */
  dtype?: FloatDType;
}

export interface InitOptions extends ModuleOptions {
  /** Draws the initial weights; default: the default generator (manualSeed). */
  rng?: Rng;
  /** Shorthand for a fresh `new Rng(seed)`. */
  seed?: number;
}

export interface LoadStateDictOptions {
  /** When true (default), missing or unexpected keys are errors. */
  strict?: boolean;
}

export abstract class Module {
  /** train() / eval() switch this; dropout and batch norm read it. */
  training = true;
  /** Randomness for the forward pass (dropout); setRng() hands one to the whole tree. Null: the default generator. */
  rng: Rng | null = null;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor, ...rest: unknown[]): Tensor;

  /** The class name, as shown in summaries and errors. */
  get typeName(): string {
    return this.constructor.name;
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name);
    if (t.dtype === 'bool') throw new EngineError(this.typeName, `parameter ${name} must be a float tensor`);
    t.requiresGrad_(true);
    this.params.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this.buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    if (!(m instanceof Module)) throw new EngineError(this.typeName, `child ${name} is not a Module`);
    this.children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (!name || name.includes('.')) throw new EngineError(this.typeName, `invalid name '${name}': names are non-empty and have no dots`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new EngineError(this.typeName, `'${name}' is already registered`);
    }
  }

  /** Every trainable tensor below this module, depth first, own ones first. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** [dotted name, tensor] pairs: '0.weight', 'attn.qProj.bias', ... */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this.params) out.push([prefix + k, t]);
    for (const [k, m] of this.children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this.buffers) out.push([prefix + k, t]);
    for (const [k, m] of this.children) out.push(...m.namedBuffers(`${prefix}${k}.`));
    return out;
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every module below it, depth first. */
  modules(): Module[] {
    return [this, ...[...this.children.values()].flatMap((m) => m.modules())];
  }

  /** Number of trainable scalars (PyTorch's sum(p.numel() for p in parameters())). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Give this module and all below it the generator their forward passes draw from. */
  setRng(rng: Rng): this {
    if (!(rng instanceof Rng)) throw new EngineError('setRng', `rng must be an Rng (new Rng(seed)), got ${describe(rng)}`);
    for (const m of this.modules()) m.rng = rng;
    return this;
  }

  /** Reset gradients to zero (fresh tensors, so no one holding the old grad sees it change). */
  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) p.grad = zeroGradFor(p);
  }

  /**
   * A snapshot of parameters and buffers by dotted name (copies: later training does
   * not change it). Per module: parameters, then buffers, then children.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const walk = (m: Module, prefix: string): void => {
      for (const [k, t] of m.params) out[prefix + k] = copyOf(t);
      for (const [k, t] of m.buffers) out[prefix + k] = copyOf(t);
      for (const [k, c] of m.children) walk(c, `${prefix}${k}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copy values into this module's parameters and buffers, in place (so optimisers
   * holding the tensors keep working). Values may be tensors or nested arrays; they are
   * converted to each tensor's dtype. Shapes must match; with strict (the default) the
   * key sets must match too.
   */
  loadStateDict(state: Record<string, Tensor | NestedArray>, opts: LoadStateDictOptions = {}): void {
    const strict = opts.strict ?? true;
    if (!state || typeof state !== 'object') throw new EngineError('loadStateDict', 'expects an object of name -> tensor');
    const own = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const given = Object.keys(state);
    const missing = [...own.keys()].filter((k) => !(k in state));
    const unexpected = given.filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new EngineError('loadStateDict', `state does not match ${this.typeName}: ${parts.join('; ')}`);
    }
    // check every shape before changing anything, so a failed load leaves the module intact
    const plan: [Tensor, Tensor][] = [];
    for (const k of given) {
      const target = own.get(k);
      if (!target) continue;
      const v = state[k];
      const src = v instanceof Tensor ? v : fromNested(v, target.dtype, 'loadStateDict');
      if (src.shape.join(',') !== target.shape.join(',')) {
        throw new EngineError(
          'loadStateDict',
          `shape mismatch for '${k}': the module has ${fmtShape(target.shape)}, the state has ${fmtShape(src.shape)}`,
        );
      }
      plan.push([target, src]);
    }
    for (const [target, src] of plan) {
      const d = target.data;
      for (let i = 0; i < d.length; i++) d[i] = src.data[i];
    }
  }

  /** A PyTorch-like printout of the module tree. */
  toString(): string {
    const kids = [...this.children];
    const head = `${this.typeName}(${this.extraRepr()}`;
    if (!kids.length) return `${head})`;
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().split('\n').join('\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }

  /** The constructor arguments worth showing in toString(). */
  extraRepr(): string {
    return '';
  }
}

function copyOf(t: Tensor): Tensor {
  const d = allocate(t.dtype, t.size);
  d.set(t.data);
  return new Tensor(d, t.shape, t.dtype);
}

/** The generator that initialises a layer's weights: opts.rng, else one from opts.seed, else the default generator. */
export function initRng(layer: string, opts: InitOptions = {}): Rng {
  if (typeof layer !== 'string' || layer === '') throw new EngineError('initRng', `layer must be the layer's name, got ${describe(layer)}`);
  return rngFrom(layer, requireOptions(layer, 'opts', opts));
}

export function dtypeOf(layer: string, opts: ModuleOptions): FloatDType {
  return floatDtypeOption(layer, opts.dtype);
}

/**
 * What a layer's constructor checks first: each of its `sizes` is a positive integer and
 * its options are an object. Returns the options and the dtype of its parameters.
 */
export function layerOptions<O extends ModuleOptions>(
  layer: string,
  sizes: Record<string, number>,
  options: O,
): { opts: O; dtype: FloatDType } {
  for (const [name, size] of Object.entries(sizes)) requirePositiveInt(layer, name, size);
  const opts = requireOptions(layer, 'opts', options);
  return { opts, dtype: dtypeOf(layer, opts) };
}

/** Throws unless the input has the module's dtype: mixing precisions is always a mistake here. */
export function requireDtype(layer: string, x: Tensor, dtype: FloatDType): void {
  if (!(x instanceof Tensor)) throw new EngineError(layer, `input must be a Tensor, got ${describe(x)}`);
  if (x.dtype !== dtype)
    throw new EngineError(
      layer,
      `input is ${x.dtype} ${fmtShape(x.shape)} but the layer's parameters are ${dtype}; build the layer with { dtype: '${x.dtype}' } or convert the input with .to('${dtype}')`,
    );
}
