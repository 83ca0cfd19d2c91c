/**
 * The frames spoken with the Python worker (see worker.py): a u32 little-endian length
 * of the rest, a u32 length of a JSON header, the header, then raw little-endian
 * arrays back to back as the header's `arrays` list describes them. Bulk numbers never
 * travel as JSON text.
 */

export type WireArray = Float64Array | Int32Array;

export interface WireMessage {
  header: Record<string, unknown>;
  arrays: { data: WireArray; shape: number[] }[];
}

interface ArraySpec {
  dtype: 'f64' | 'i32';
  shape: number[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeFrame(message: WireMessage): Buffer {
  const specs: ArraySpec[] = message.arrays.map((a) => ({ dtype: a.data instanceof Int32Array ? 'i32' : 'f64', shape: a.shape }));
  const head = Buffer.from(JSON.stringify({ ...message.header, arrays: specs }), 'utf8');
  const dataBytes = message.arrays.reduce((n, a) => n + a.data.byteLength, 0);
  const frame = Buffer.allocUnsafe(8 + head.length + dataBytes);
  frame.writeUInt32LE(4 + head.length + dataBytes, 0);
  frame.writeUInt32LE(head.length, 4);
  head.copy(frame, 8);
  let at = 8 + head.length;
  for (const a of message.arrays) {
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).copy(frame, at);
    at += a.data.byteLength;
  }
  return frame;
}

/** Splits a byte stream into frames; feed it chunks as they arrive. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): WireMessage[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: WireMessage[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [all];
      const total = all.readUInt32LE(0);
      if (this.buffered < 4 + total) break;
      out.push(decodeBody(all.subarray(4, 4 + total)));
      const rest = all.subarray(4 + total);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return out;
  }
}

function decodeBody(body: Buffer): WireMessage {
  const headLength = body.readUInt32LE(0);
  const header = JSON.parse(body.subarray(4, 4 + headLength).toString('utf8')) as Record<string, unknown>;
  const specs = (header.arrays as ArraySpec[] | undefined) ?? [];
  let at = 4 + headLength;
  const arrays = specs.map((spec) => {
    const n = sizeOf(spec.shape);
    const bytes = n * (spec.dtype === 'i32' ? 4 : 8);
    // A copy into fresh, aligned memory: the frame's buffer is reused.
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(body.subarray(at, at + bytes));
    at += bytes;
    return { data: spec.dtype === 'i32' ? new Int32Array(copy) : new Float64Array(copy), shape: spec.shape };
  });
  delete header.arrays;
  return { header, arrays };
}
