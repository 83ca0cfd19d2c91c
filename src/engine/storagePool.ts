/**
 * Reuse of gradient buffers between backward passes.
 *
 * A training step allocates every activation and every gradient afresh, and a fresh
 * multi-megabyte typed array costs the kernel's page faults and zeroing the first time
 * it is written: on the bench's small CNN that was a tenth of the step. Buffers cannot
 * be reused on a guess (a user may hold any tensor's `.data`), but the backward pass
 * knows a case that is certain: a gradient it allocated itself, that no gradient still
 * waiting in its map shares, that was not stored as a leaf's `.grad`, is dead once the
 * node it was meant for has consumed it. Those buffers come here, and `allocate` hands
 * them out again (zeroed, or as they are where the caller overwrites every element).
 *
 * Bounded: at most POOL_MAX_BYTES are kept, the oldest given back to the garbage
 * collector first; only buffers of at least POOL_MIN_BYTES are worth the bookkeeping.
 */

/** Smaller buffers cost less to allocate fresh than to track. */
const POOL_MIN_BYTES = 64 * 1024;
/** At most this much idle memory is held for reuse. */
const POOL_MAX_BYTES = 256 * 1024 * 1024;

type PooledArray = Float32Array | Float64Array;

const free = new Map<string, PooledArray[]>();
/** Insertion order across sizes, for dropping the oldest when over the cap. */
const order: PooledArray[] = [];
let heldBytes = 0;

function key(kind: 'float32' | 'float64', length: number): string {
  return `${kind}:${length}`;
}

/** Requests large enough to pool that found a buffer, and those that did not. */
const counts = { hits: 0, misses: 0 };

/** A pooled buffer of exactly this type and length, or null. Its contents are arbitrary. */
export function takePooled(kind: 'float32' | 'float64', length: number): PooledArray | null {
  const list = free.get(key(kind, length));
  const buf = list?.pop();
  if (!buf) {
    if (length * (kind === 'float32' ? 4 : 8) >= POOL_MIN_BYTES) counts.misses++;
    return null;
  }
  counts.hits++;
  heldBytes -= buf.byteLength;
  order.splice(order.indexOf(buf), 1);
  return buf;
}

/** Give back a buffer nobody references any more (the caller guarantees it). */
export function recycle(buf: PooledArray): void {
  if (buf.byteLength < POOL_MIN_BYTES || buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return;
  // (SharedArrayBuffer is undefined in pages that are not cross-origin isolated.)
  if (typeof SharedArrayBuffer !== 'undefined' && buf.buffer instanceof SharedArrayBuffer) return;
  const kind = buf instanceof Float32Array ? 'float32' : 'float64';
  const k = key(kind, buf.length);
  const list = free.get(k) ?? [];
  if (list.includes(buf)) return;
  list.push(buf);
  free.set(k, list);
  order.push(buf);
  heldBytes += buf.byteLength;
  while (heldBytes > POOL_MAX_BYTES && order.length) {
    const oldest = order.shift()!;
    const ol = free.get(key(oldest instanceof Float32Array ? 'float32' : 'float64', oldest.length));
    ol?.splice(ol.indexOf(oldest), 1);
    heldBytes -= oldest.byteLength;
  }
}

/** Bytes held for reuse now (for tests and the bench). */
export function pooledBytes(): number {
  return heldBytes;
}

/** How many large allocations the pool served and missed since the last clearPool(). */
export function poolCounts(): { hits: number; misses: number } {
  return { ...counts };
}

/** Drops every pooled buffer (tests; a host that wants its memory back). */
export function clearPool(): void {
  counts.hits = 0;
  counts.misses = 0;
  free.clear();
  order.length = 0;
  heldBytes = 0;
}

/**
 * Buffers allocated while a backward pass runs, keyed by their ArrayBuffer: only these
 * may be recycled by it. null outside a backward pass.
 */
let bornInBackward: Set<ArrayBufferLike> | null = null;

export function noteAllocated(buf: PooledArray): void {
  bornInBackward?.add(buf.buffer);
}

/**
 * Runs a backward pass's loop with allocation tracking on, and gives it the means to
 * retire gradients: `hold(t)`/`release(t)` count the gradient-map entries that share a
 * buffer, `escape(t)` marks a buffer as handed to the user (a leaf's .grad), and
 * `retire(t)` recycles a buffer that was born in this pass, is held by no entry and
 * has not escaped.
 */
export function withGradientRecycling<T>(run: (r: GradientRecycler) => T): T {
  const outer = bornInBackward;
  const born = new Set<ArrayBufferLike>();
  bornInBackward = born;
  const holds = new Map<ArrayBufferLike, number>();
  const recycler: GradientRecycler = {
    hold(data) {
      holds.set(data.buffer, (holds.get(data.buffer) ?? 0) + 1);
    },
    release(data) {
      const n = (holds.get(data.buffer) ?? 0) - 1;
      if (n > 0) holds.set(data.buffer, n);
      else holds.delete(data.buffer);
    },
    escape(data) {
      born.delete(data.buffer);
    },
    retire(data) {
      if (!(data instanceof Float32Array || data instanceof Float64Array)) return;
      if (!born.has(data.buffer) || holds.has(data.buffer)) return;
      born.delete(data.buffer);
      recycle(data);
    },
  };
  try {
    return run(recycler);
  } finally {
    bornInBackward = outer;
  }
}

export interface GradientRecycler {
  hold(data: ArrayBufferView): void;
  release(data: ArrayBufferView): void;
  escape(data: ArrayBufferView): void;
  retire(data: ArrayBufferView): void;
}
