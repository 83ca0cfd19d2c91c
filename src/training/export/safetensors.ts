/**
 * The safetensors format, written here without a library: 8 bytes little-endian header
 * length n, n bytes of JSON ({ name: { dtype, shape, data_offsets: [begin, end] } } plus an
 * optional "__metadata__" of strings), then the raw little-endian tensor bytes. The header
 * is padded with spaces so the data starts 8-byte aligned.
 */

export interface SafeTensor {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

/** Float32 tensors (the trainer's dtype) as one safetensors file. */
export function encodeSafetensors(tensors: SafeTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`safetensors: '${t.name}' has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    if (t.name in header) throw new Error(`safetensors: duplicate tensor name '${t.name}'`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/** Read back what encodeSafetensors writes (F32 only); for tests and tools. */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new Error('safetensors: shorter than its 8-byte header length');
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`safetensors: header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    if (info.dtype !== 'F32') throw new Error(`safetensors: '${name}' is ${info.dtype}; only F32 is read here`);
    const [begin, end] = info.data_offsets;
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(8 + n + begin + 4 * i, true);
    tensors.set(name, { shape: info.shape, data });
  }
  return { tensors, metadata };
}
