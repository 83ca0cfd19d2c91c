/**
 * Which gpu.js path this environment offers, and whether to train on it.
 *
 * In a browser page: WebGL2 (else WebGL) with the renderer string read through
 * WEBGL_debug_renderer_info, plus the WebGPU adapter if one answers. The
 * engine's ops are synchronous and WebGPU has no synchronous readback, so the
 * backend's kernels run on WebGL2; the WebGPU adapter is reported, and serves
 * `gemmAsync`-style callers only.
 * In Node there is no GL context here (headless-gl is not built), so gpu.js
 * runs WebAssembly: reported, and not recommended over the fast CPU backend.
 *
 * A software rasterizer (SwiftShader, llvmpipe, ...) is a GPU in name only: it
 * runs gpu.js's kernels far slower than the engine's SIMD CPU path (the bench's
 * gpu.js section and the browser tests measure it), so the probe recommends the
 * CPU path there.
 */
import { GpuJsBackend } from './backend';
import type { GpuJsConstructor } from './gpujsTypes';

export type GpuApi = 'WebGL2' | 'WebGL' | 'WebAssembly' | 'JavaScript';

export interface GpuChoice {
  /** gpu.js mode the backend's kernels run in. */
  mode: 'webgl2' | 'webgl' | 'webasm' | 'cpu';
  api: GpuApi;
  /** The GL renderer ("ANGLE (NVIDIA, ...)"), null outside a GL context. */
  renderer: string | null;
  /** The WebGPU adapter ("nvidia ampere"), null where none answers. */
  webgpuAdapter: string | null;
  /** Whether the renderer or adapter is a software rasterizer. */
  software: boolean;
  /** Train on this backend ('gpu') or keep the CPU path ('cpu'). */
  recommended: 'gpu' | 'cpu';
  /** Why, in a sentence for the UI. */
  reason: string;
  /** For the UI: "WebGL2, ANGLE (NVIDIA ...)". */
  label: string;
  /** The backend over the chosen mode; install it with setBackend when recommended (or forced). */
  backend: GpuJsBackend;
}

export interface ChooseGpuOptions {
  /** Canvas for the GL context (a fresh one is made in a page when absent). */
  canvas?: unknown;
  /** Skip the WebGPU adapter query (it can take a moment the first time). */
  skipWebGpu?: boolean;
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render|mesa offscreen|apple software/i;

export function isSoftwareRenderer(renderer: string | null | undefined): boolean {
  return !!renderer && SOFTWARE_RENDERERS.test(renderer);
}

interface GlLike {
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
  RENDERER: number;
}

interface CanvasLike {
  getContext(kind: string, attrs?: object): unknown;
}

/** The unmasked renderer where the browser exposes it, else the masked one. */
export function glRenderer(gl: GlLike): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const unmasked = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null;
  return String(unmasked || gl.getParameter(gl.RENDERER));
}

/** "vendor architecture device description" of the WebGPU adapter, or null. */
export async function webGpuAdapter(): Promise<string | null> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return null;
  try {
    const adapter = (await gpu.requestAdapter()) as {
      info?: Record<string, string>;
      requestAdapterInfo?(): Promise<Record<string, string>>;
    } | null;
    if (!adapter) return null;
    const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
    const text = ['vendor', 'architecture', 'device', 'description']
      .map((k) => info[k])
      .filter(Boolean)
      .join(' ');
    return text || 'unnamed adapter';
  } catch {
    return null;
  }
}

function makeCanvas(given: unknown): CanvasLike | null {
  if (given) return given as CanvasLike;
  const doc = (globalThis as { document?: { createElement(tag: string): unknown } }).document;
  if (doc) return doc.createElement('canvas') as CanvasLike;
  const Offscreen = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike }).OffscreenCanvas;
  return Offscreen ? new Offscreen(1, 1) : null;
}

/** Probes the environment and builds the gpu.js backend it supports; `recommended` says whether to use it. */
export async function chooseGpuBackend(GPU: GpuJsConstructor, options: ChooseGpuOptions = {}): Promise<GpuChoice> {
  const webgpuAdapter = options.skipWebGpu ? null : await webGpuAdapter();
  const canvas = makeCanvas(options.canvas);
  for (const [kind, mode, api] of [
    ['webgl2', 'webgl2', 'WebGL2'],
    ['webgl', 'webgl', 'WebGL'],
  ] as const) {
    const gl = canvas?.getContext(kind, { premultipliedAlpha: false, preserveDrawingBuffer: false }) as GlLike | null | undefined;
    if (!gl) continue;
    const renderer = glRenderer(gl);
    const software = isSoftwareRenderer(renderer);
    const backend = new GpuJsBackend(new GPU({ mode, canvas, context: gl }), { detail: renderer });
    const reason = software
      ? `${api} is drawn by ${/swiftshader/i.test(renderer) ? 'SwiftShader' : /llvmpipe/i.test(renderer) ? 'llvmpipe' : 'a software renderer'}, a CPU emulation of a GPU: its kernels run slower than the WebAssembly CPU path, so training stays on the CPU.`
      : `${api} on a hardware GPU (${renderer}).${webgpuAdapter ? ` WebGPU is present too (${webgpuAdapter}), but the engine's ops read results back synchronously, which WebGPU cannot.` : ''}`;
    return {
      mode,
      api,
      renderer,
      webgpuAdapter,
      software,
      recommended: software ? 'cpu' : 'gpu',
      reason,
      label: `${api}, ${renderer}`,
      backend,
    };
  }
  const mode = GPU.isWebAssemblySupported === false ? 'cpu' : 'webasm';
  const api: GpuApi = mode === 'webasm' ? 'WebAssembly' : 'JavaScript';
  const backend = new GpuJsBackend(new GPU({ mode }));
  return {
    mode,
    api,
    renderer: null,
    webgpuAdapter,
    software: false,
    recommended: 'cpu',
    reason: `No WebGL context${canvas ? '' : ' (no canvas in this environment)'}: gpu.js would run ${api} on the CPU, slower than the engine's own CPU backend, so training stays on the CPU.`,
    label: `${api} (gpu.js, no GPU)`,
    backend,
  };
}
