/**
 * A seeded random number generator: the only source of randomness in the engine.
 * xoshiro128** for uniform bits, Box-Muller (with the spare kept) for normals.
 * A seed is any integer; the state grows from its low 32 bits, so seeds that differ
 * by a multiple of 2³² give the same stream.
 */
import { requireInt } from './args';
import { describe, EngineError } from './tensor';

export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  private seedValue: number;

  constructor(seed = 0) {
    this.seedValue = requireInt('Rng', 'seed', seed);
    this.reset(seed);
  }

  /** The seed it was made with, or last given to manualSeed(). */
  get seed(): number {
    return this.seedValue;
  }

  /** Reseed in place (PyTorch's Generator.manual_seed): whoever holds this generator sees the new stream. */
  manualSeed(seed: number): this {
    this.seedValue = requireInt('manualSeed', 'seed', seed);
    this.reset(seed);
    return this;
  }

  /** Restart the stream from `seed` (default: the seed it was made with). */
  reset(seed = this.seedValue): void {
    requireInt('reset', 'seed', seed);
    // splitmix32 spreads a small integer seed over the whole state.
    let x = (seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spare = null;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fisher-Yates shuffle of [0, n). */
  permutation(n: number): Int32Array {
    requireInt('permutation', 'n', n, 0);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** An independent generator derived from this one (for a worker, a layer, a dataset). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The generator that randomness falls back on when a call names none, PyTorch's
 * default generator. It starts from a fixed seed, so a script that never seeds is
 * still reproducible from run to run; manualSeed() reseeds it in place.
 */
const defaultGenerator = new Rng(0x5eed);

/** Reseed the default generator (torch.manual_seed); returns it. */
export function manualSeed(seed: number): Rng {
  return defaultGenerator.manualSeed(seed);
}

/** The generator modules, randn, rand, dropout and init draw from when given no rng or seed. */
export function getDefaultGenerator(): Rng {
  return defaultGenerator;
}

/** The generator a call draws from: its own `rng`, else a fresh one from its `seed`, else the default. */
export function rngFrom(fn: string, opts: { rng?: Rng | null; seed?: number }): Rng {
  if (opts.rng != null) {
    if (!(opts.rng instanceof Rng)) throw new EngineError(fn, `rng must be an Rng (new Rng(seed)), got ${describe(opts.rng)}`);
    return opts.rng;
  }
  if (opts.seed !== undefined) return new Rng(requireInt(fn, 'seed', opts.seed));
  return defaultGenerator;
}
