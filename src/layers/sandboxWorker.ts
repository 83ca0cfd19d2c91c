/**
 * dist/sandboxWorker.js, started in one of two roles (workerData.role):
 * - 'sandbox': runs a bundled user file and checks its layers one at a time, telling
 *   the host which layer it is on so that a hang or a crash can be pinned on that
 *   layer. It lives on between checks (the warm path) and evaluates each file afresh.
 * - 'bundler': bundles user files with esbuild-wasm (see bundle.ts for why it is a
 *   thread of its own). It never runs user code, so it is never stopped for it.
 *
 * User code gets `require('gradlens')` answered with this bundle's own engine, the
 * one the adapter uses, so tensors the user makes are `instanceof Tensor` here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { builtinModules, SourceMap } from 'node:module';
import * as path from 'node:path';
import { format } from 'node:util';
import * as vm from 'node:vm';
import * as gradlens from '../api';
import { manualSeed, setDefaultDtype } from '../engine';
import { checkTarget } from '../gradcheck';
import type { CheckTarget, LayerReport } from '../gradcheck/types';
import { adaptLayerDefinition, adaptLossFunction, adaptPair, ContractError } from './adapt';
import { bundleUserFile, displayPath, initBundler, warmBundler, type Bundle } from './bundle';
import { isLayerDefinition, type LayerDefinition } from './contract';
import type { BundleRequest, BundleResponse, RunRequest, RuntimeLayer, WorkerMessage, WorkerRole } from './protocol';
import { errorReport } from './reports';
import type { DiscoveredLayer } from './types';

const port = parentPort;
if (!port) throw new Error('sandboxWorker.js runs as a worker thread');

const send = (m: WorkerMessage) => port.postMessage(m);
const BUILTINS = new Set(builtinModules);

// User code's console output goes to the host as messages, not through the worker's
// stdio streams: those would print into the CLI's --json output, and capturing them
// as streams keeps the host process from exiting while the warm worker idles.
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  console[method] = (...args: unknown[]) => send({ type: 'log', text: `${format(...args)}\n` });
}
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: unknown) => {
    send({ type: 'log', text: typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString() });
    return true;
  }) as typeof stream.write;
}

/** Turns what user code threw into a message, with the user's file:line:col when the stack has it. */
function throwDescriber(bundleName: string, map: SourceMap): (err: unknown) => string {
  const escaped = bundleName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g');
  return (err) => {
    const head = err instanceof Error ? `${err.name}: ${err.message}` : `a non-Error value: ${String(err)}`;
    const stack = err instanceof Error ? (err.stack ?? '') : '';
    for (const m of stack.matchAll(frame)) {
      // Node maps stacks itself (--enable-source-maps) only for files it loaded, not for code
      // compiled with vm; its SourceMap class reads our map all the same. findEntry counts
      // from 0 (the 1-based findOrigin needs Node 20.4, and engines allow 20.0).
      const pos = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1);
      if ('originalSource' in pos)
        return `${head} (at ${displayPath(pos.originalSource)}:${pos.originalLine + 1}:${pos.originalColumn + 1})`;
    }
    if (err instanceof RangeError && /call stack/.test(err.message)) return `${head} (infinite recursion?)`;
    return head;
  };
}

interface Loaded {
  exports: Record<string, unknown>;
  describe: (err: unknown) => string;
}

function load(file: string, bundle: Bundle): Loaded {
  const bundleName = `${file}.gradlens-bundle.js`;
  const describe = throwDescriber(bundleName, new SourceMap(bundle.map));
  const module = { exports: {} as Record<string, unknown> };
  const userRequire = (spec: string): unknown => {
    if (spec === 'gradlens') return gradlens;
    if (spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0])) return require(spec);
    throw new Error(`cannot load '${spec}' at run time`);
  };
  // The wrapper sits on the bundle's first line, so reported line numbers are the bundle's own.
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${bundle.code}\n})`, {
    filename: bundleName,
  }) as (...args: unknown[]) => void;
  try {
    wrapper(module.exports, userRequire, module, file, path.dirname(file));
  } catch (err) {
    throw new LoadError(`loading ${displayPath(file)} threw ${describe(err)}`);
  }
  return { exports: module.exports, describe };
}

class LoadError extends Error {}

interface Planned extends RuntimeLayer {
  discovered?: DiscoveredLayer;
  /** Makes the checker's target; throws a ContractError for a layer that cannot be run. */
  target?: () => CheckTarget;
  problem?: string;
}

/** The layers of a loaded file: what the text promised, matched with what the module exports. */
function plan(
  file: string,
  exports: Record<string, unknown>,
  discovered: DiscoveredLayer[],
  describe: (e: unknown) => string,
  seed: number,
): Planned[] {
  const planned: Planned[] = [];
  const where = displayPath(file);
  const claimed = new Set<string>();

  for (const d of discovered) {
    claimed.add(d.exportName);
    const base = { id: d.exportName, name: d.name, convention: d.convention, discovered: d };
    if (d.problem) {
      planned.push({ ...base, problem: d.problem });
      continue;
    }
    if (d.convention === 'pair') {
      const backwardName = d.backwardName ?? `${d.name}Backward`;
      claimed.add(backwardName);
      const fwd = exports[d.exportName];
      const bwd = exports[backwardName];
      const missing = [typeof fwd !== 'function' ? d.exportName : undefined, typeof bwd !== 'function' ? backwardName : undefined].filter(
        Boolean,
      );
      if (missing.length > 0) {
        const what = missing.map((m) => `${m}`).join(' and ');
        planned.push({
          ...base,
          problem: `${what} ${missing.length === 1 ? 'is' : 'are'} not exported as ${missing.length === 1 ? 'a function' : 'functions'} from ${where}; write \`export function ${missing[0]}(...)\``,
        });
        continue;
      }
      planned.push({
        ...base,
        target: () =>
          adaptPair(
            {
              name: d.name,
              forward: fwd as (...a: unknown[]) => unknown,
              backward: bwd as (dout: unknown, cache: unknown) => unknown,
              forwardName: d.exportName,
              backwardName,
              args: d.args,
              inputNames: d.inputNames,
              inputShapes: d.inputShapes ?? [],
              tolerance: d.tolerance,
            },
            { seed, describeThrow: describe },
          ),
      });
    } else if (d.convention === 'loss') {
      const fn = exports[d.exportName];
      if (typeof fn !== 'function') {
        const problem =
          d.exportName === 'default'
            ? `${d.name} is not the default export of ${where}`
            : `${d.exportName} is not exported as a function from ${where}; write \`export function ${d.exportName}(...)\``;
        planned.push({ ...base, problem });
        continue;
      }
      const args = d.args ?? d.inputNames.map((name, i) => ({ kind: 'tensor' as const, name, shape: d.inputShapes?.[i] ?? [] }));
      planned.push({
        ...base,
        target: () =>
          adaptLossFunction(
            { name: d.name, fn: fn as (...a: unknown[]) => unknown, args, tolerance: d.tolerance },
            { seed, describeThrow: describe },
          ),
      });
    } else if (d.convention === 'layer') {
      const value = exports[d.exportName];
      if (!isLayerDefinition(value)) {
        const problem =
          value === undefined
            ? d.exportName === 'default'
              ? `the layer is not the default export of ${where}`
              : `'${d.exportName}' is not exported from ${where}; write \`export const ${d.exportName} = layer({...})\``
            : `'${d.exportName}' is exported from ${where} but is not a layer() definition`;
        planned.push({ ...base, problem });
        continue;
      }
      const name = value.name ?? d.exportName;
      planned.push({ ...base, name, target: () => adaptLayerDefinition(value, name, { seed, describeThrow: describe }) });
    } else {
      planned.push({ ...base, problem: `${d.name}: the '${d.convention}' convention is read from Python files only` });
    }
  }

  // Layers the text scan could not see (made by a helper, re-exported from another file).
  for (const [key, value] of Object.entries(exports)) {
    if (claimed.has(key) || !isLayerDefinition(value)) continue;
    const def: LayerDefinition = value;
    const name = def.name ?? key;
    planned.push({ id: key, name, convention: 'layer', target: () => adaptLayerDefinition(def, name, { seed, describeThrow: describe }) });
  }
  return planned;
}

function run(req: RunRequest): void {
  const mode = req.check.mode;
  const bundle = req.bundle;
  send({ type: 'loading' });
  let loaded: Loaded;
  // One engine serves every file this worker runs: a file's top-level setDefaultDtype or
  // manualSeed must not leak into the next file's check.
  setDefaultDtype('float64');
  manualSeed(0);
  try {
    loaded = load(req.file, bundle);
  } catch (err) {
    send({ type: 'loadError', message: err instanceof LoadError ? err.message : `could not run ${displayPath(req.file)}: ${String(err)}` });
    return;
  }
  const layers = plan(req.file, loaded.exports, req.discovered, loaded.describe, req.check.seed ?? 0).filter(
    (l) => !req.only || req.only.includes(l.name) || req.only.includes(l.id),
  );
  send({ type: 'layers', layers: layers.map(({ id, name, convention }) => ({ id, name, convention })) });

  for (const layer of layers) {
    if (req.skip.includes(layer.id)) continue;
    send({ type: 'layerStart', id: layer.id });
    const tolerance = { ...req.check.tolerance, ...layer.discovered?.tolerance };
    let report: LayerReport;
    if (layer.problem || !layer.target) {
      report = errorReport(layer.name, layer.problem ?? 'cannot be checked', mode, tolerance);
    } else {
      try {
        report = checkTarget(layer.target(), req.check);
      } catch (err) {
        report = errorReport(layer.name, err instanceof ContractError ? err.message : loaded.describe(err), mode, tolerance);
      }
    }
    send({ type: 'layerReport', id: layer.id, report });
  }
  send({ type: 'done' });
}

const role: WorkerRole = (workerData as { role?: WorkerRole } | undefined)?.role ?? 'sandbox';
if (role === 'bundler') {
  void initBundler().catch(() => undefined);
  port.on('message', (req: BundleRequest | { type: 'warm' }) => {
    if (req.type === 'warm') return void warmBundler().catch(() => undefined);
    bundleUserFile(req.file, req.text).then(
      (outcome) => port.postMessage({ type: 'bundled', id: req.id, outcome } satisfies BundleResponse),
      (err: unknown) =>
        port.postMessage({
          type: 'bundled',
          id: req.id,
          outcome: { ok: false, error: `the bundler failed: ${String(err)}` },
        } satisfies BundleResponse),
    );
  });
} else {
  port.on('message', (req: RunRequest) => {
    try {
      run(req);
    } catch (err) {
      send({ type: 'loadError', message: `the sandbox failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    }
  });
}
