/**
 * Bundles a user's layer file (TypeScript or JavaScript, with its relative and
 * package imports) into one CommonJS script, leaving `gradlens` and Node's
 * built-ins to be provided at run time.
 *
 * Why esbuild-wasm, and its browser build: the extension bundles user code at run
 * time, on the user's machine. The native esbuild package ships a per-platform
 * binary, which would make the .vsix platform-specific (one package per OS and CPU);
 * esbuild-wasm is one portable file. Its Node API, though, runs the wasm in a child
 * process started as `node`, which VS Code users need not have on their PATH (the
 * extension host is Electron). The browser build runs the wasm in-process instead,
 * with no file system of its own, so the plugin below does the resolving and reading
 * through Node's fs. This module runs in a bundler thread of its own (the browser
 * build expects a global `self`, defined there and never in the extension host; and
 * user code runs several times slower in a thread that also hosts esbuild's wasm
 * runtime, so the sandbox thread never loads it). esbuild starts once per process
 * and then bundles a small file in tens of milliseconds.
 */
import { readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';

/** The subset of esbuild's API used here (esbuild-wasm's browser build, loaded at run time). */
interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}
interface EsbuildPluginBuild {
  onResolve(
    o: { filter: RegExp; namespace?: string },
    cb: (a: { path: string; importer: string; resolveDir: string; kind: string }) => unknown,
  ): void;
  onLoad(o: { filter: RegExp; namespace?: string }, cb: (a: { path: string }) => unknown): void;
}
interface Esbuild {
  initialize(o: { wasmModule: WebAssembly.Module; worker: boolean }): Promise<void>;
  build(o: Record<string, unknown>): Promise<{ outputFiles: { path: string; text: string }[] }>;
}

export interface Bundle {
  code: string;
  map: SourceMapPayload;
}

export type BundleOutcome = { ok: true; bundle: Bundle } | { ok: false; error: string };

/** Names shown in the bundle's source map and errors. */
export const USER_NAMESPACE = 'gradlens-user';
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];
const LOADERS: Record<string, string> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx', '.json': 'json' };
const BUILTINS = new Set(builtinModules);

let esbuildReady: Promise<Esbuild> | undefined;

/** Starts esbuild once per thread; later calls share it. */
export function initBundler(): Promise<Esbuild> {
  esbuildReady ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    g.self ??= globalThis;
    // Resolved at run time (esbuild.mjs marks the package external): the wasm ships in the package.
    const esbuild = require('esbuild-wasm/lib/browser.js') as Esbuild;
    const wasmModule = await WebAssembly.compile(readFileSync(require.resolve('esbuild-wasm/esbuild.wasm')));
    await esbuild.initialize({ wasmModule, worker: false });
    return esbuild;
  })();
  return esbuildReady;
}

/**
 * Starts esbuild and runs a few tiny builds: the wasm code is compiled lazily and
 * optimised as it runs, and the first builds after start-up are many times slower
 * than the rest.
 */
export async function warmBundler(): Promise<void> {
  const esbuild = await initBundler();
  for (let i = 0; i < 3; i++) {
    await esbuild.build({
      stdin: {
        contents: `import { layer } from 'gradlens';\nexport const warm${i}: number = ${i};\nexport const l = layer({} as never);`,
        loader: 'ts',
      },
      write: false,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      external: ['gradlens'],
      sourcemap: 'external',
      outfile: 'warm.js',
      logLevel: 'silent',
    });
  }
}

/** The path as users should read it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A relative import as TypeScript and Node would find it: exact, with an extension, `.js` meaning `.ts`, or a folder's index. */
function resolveRelative(target: string): string | undefined {
  if (isFile(target)) return target;
  for (const ext of EXTENSIONS) if (isFile(target + ext)) return target + ext;
  const jsLike = /\.(c|m)?jsx?$/.exec(target);
  if (jsLike) {
    const stem = target.slice(0, -jsLike[0].length);
    for (const ext of ['.ts', '.tsx', '.mts', '.cts']) if (isFile(stem + ext)) return stem + ext;
  }
  for (const ext of EXTENSIONS) if (isFile(path.join(target, `index${ext}`))) return path.join(target, `index${ext}`);
  return undefined;
}

function resolverPlugin(entry: string) {
  return {
    name: 'gradlens-resolve',
    setup(build: EsbuildPluginBuild) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return { path: entry, namespace: USER_NAMESPACE };
        const spec = args.path;
        if (spec === 'gradlens') return { path: spec, external: true };
        if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])) return { path: spec, external: true };
        if (spec.startsWith('.') || path.isAbsolute(spec)) {
          const found = resolveRelative(path.resolve(args.resolveDir, spec));
          if (found) return { path: found, namespace: USER_NAMESPACE };
          return { errors: [{ text: `cannot find '${spec}' next to ${displayPath(args.importer)}` }] };
        }
        if (spec.startsWith('gradlens/')) {
          return { errors: [{ text: `import from 'gradlens' itself; '${spec}' is not a module GradLens provides` }] };
        }
        try {
          return { path: createRequire(path.join(args.resolveDir, 'noop.js')).resolve(spec), namespace: USER_NAMESPACE };
        } catch {
          return { errors: [{ text: `cannot find package '${spec}' (is it installed where ${displayPath(args.importer)} can see it?)` }] };
        }
      });
      build.onLoad({ filter: /.*/, namespace: USER_NAMESPACE }, (args) => ({
        contents: readFileSync(args.path, 'utf8'),
        loader: LOADERS[path.extname(args.path)] ?? 'js',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

function formatMessage(m: EsbuildMessage): string {
  if (!m.location) return m.text;
  const { file, line, column } = m.location;
  const where = `${displayPath(file.replace(`${USER_NAMESPACE}:`, ''))}:${line}:${column + 1}`;
  return `${where}: ${m.text}`;
}

/**
 * Bundles `file`, or `text` standing in for its contents (an unsaved editor buffer).
 * Never throws for problems in the user's code: they come back as `error`, with file:line:col.
 */
export async function bundleUserFile(file: string, text?: string): Promise<BundleOutcome> {
  const esbuild = await initBundler();
  const entry = path.resolve(file);
  const plugin = resolverPlugin(entry);
  if (text !== undefined) {
    const inner = plugin.setup;
    plugin.setup = (build) => {
      build.onLoad({ filter: /.*/, namespace: USER_NAMESPACE }, (args) =>
        args.path === entry ? { contents: text, loader: LOADERS[path.extname(entry)] ?? 'js', resolveDir: path.dirname(entry) } : undefined,
      );
      inner(build);
    };
  }
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'es2022',
      write: false,
      outfile: 'user-bundle.js',
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [plugin],
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    if (!js || !map) return { ok: false, error: 'esbuild produced no output' };
    const parsed = JSON.parse(map.text) as SourceMapPayload;
    parsed.sources = parsed.sources.map((s) => s.replace(/^.*?gradlens-user:/, ''));
    return { ok: true, bundle: { code: js.text, map: parsed } };
  } catch (err) {
    const errors = (err as { errors?: EsbuildMessage[] }).errors;
    if (errors && errors.length > 0) return { ok: false, error: errors.map(formatMessage).join('\n') };
    return { ok: false, error: `could not bundle ${displayPath(entry)}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
