// Compiles the AssemblyScript kernels to WebAssembly bytes with AssemblyScript's
// JS API (no native tools), for esbuild.mjs to embed in the bundles.
// Run directly (`node kernels/compile.mjs`) it reports the module's size and exports.
import asc from 'assemblyscript/asc';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

const pending = new Map();

/** kernels/<name>.ts and the files of kernels/<name>/ it imports, keyed as AssemblyScript resolves them. */
function moduleSources(name) {
  const sources = { [`${name}.ts`]: readFileSync(join(here, `${name}.ts`), 'utf8') };
  const dir = join(here, name);
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) sources[`${name}/${f}`] = readFileSync(join(dir, f), 'utf8');
  }
  return sources;
}

/**
 * Returns the compiled module of kernels/<name>.ts as a Uint8Array. Compiling
 * takes ~2 s, so the result is kept in .cache/kernels/ under a hash of the
 * sources and of this script, and shared by every bundle of one build.
 */
export function compileKernels(name = 'simd', variant = name) {
  const sources = moduleSources(name);
  const hash = createHash('sha256');
  for (const [file, text] of Object.entries(sources)) hash.update(file).update(text);
  const key = hash.update(variant).update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 16);
  if (!pending.has(key)) pending.set(key, cachedCompile(variant, sources, key));
  return pending.get(key);
}

async function cachedCompile(name, source, key) {
  const cacheDir = join(here, '..', '.cache', 'kernels');
  const cached = join(cacheDir, `${name}-${key}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const binary = await compile(name, source);
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cached, binary);
  } catch {
    // A read-only checkout just compiles again next time.
  }
  return binary;
}

// How each module gets its linear memory.
const MEMORY = {
  // One linear memory shared by the main thread and the worker threads.
  simd: { enable: ['simd', 'threads'], importMemory: true, sharedMemory: true, initialMemory: 1, maximumMemory: 65536 },
  // The same kernels with relaxed SIMD's fused multiply-add, where a runtime has it.
  'simd-relaxed': { enable: ['simd', 'threads', 'relaxed-simd'], importMemory: true, sharedMemory: true, initialMemory: 1, maximumMemory: 65536 },
  // The float64 GEMM: single-threaded, its own memory, exported for the loader
  // to grow and copy through; no imports, so it instantiates anywhere.
  f64: { enable: ['simd'], initialMemory: 1, maximumMemory: 32768, use: ['abort='] },
};

async function compile(name, sources) {
  const { error, binary, stderr } = await asc.compileString(sources, {
    optimizeLevel: 3,
    shrinkLevel: 0,
    noAssert: true,
    runtime: 'stub',
    ...(MEMORY[name] ?? MEMORY.simd),
  });
  if (error || !binary) throw new Error(`AssemblyScript kernels/${name}.ts failed to compile: ${error?.message ?? ''}\n${stderr.toString()}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await compileKernels(process.argv[2]);
  const mod = await WebAssembly.compile(bytes);
  console.log(`${bytes.length} bytes; imports ${JSON.stringify(WebAssembly.Module.imports(mod))}; exports ${WebAssembly.Module.exports(mod).map((e) => e.name).join(', ')}`);
}
