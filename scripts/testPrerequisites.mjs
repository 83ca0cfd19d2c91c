// What GradLens's tests need from outside npm, and what to do when some of it is missing.
// Each need is checked the way the tests meet it (a path they open, a module they import,
// a tool on PATH), not in dpkg's records, so a browser named by GRADLENS_CHROMIUM counts
// as much as Debian's. prepare-tests.mjs acts on these answers; they are apart from it so
// that test/setup/prerequisites.test.ts can check them without installing anything.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The interpreter the Python and export tests name: Debian's, which python3-torch fills. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const onPath = (env, program) => (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));

const pythonHasTorch = () =>
  spawnSync(DEBIAN_PYTHON, ['-c', 'import importlib.util as u, sys; sys.exit(not (u.find_spec("torch") and u.find_spec("numpy")))'], {
    timeout: 30_000,
  }).status === 0;

/**
 * The Debian packages the tests use, in install order, each with why and whether it is
 * there. `buildingCodeServer`: code-server is about to be installed, and npm builds its
 * native modules (kerberos links libkrb5; node-gyp wants a compiler, make and python3).
 */
export function testPackages(env, { buildingCodeServer }) {
  const packages = [
    {
      apt: 'chromium',
      why: 'the browser tests and the real-VS-Code UI tests',
      present: () => existsSync(env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium'),
    },
    {
      apt: 'python3-torch',
      why: `Python layers, PyTorch parity and export (torch and numpy for ${DEBIAN_PYTHON})`,
      present: pythonHasTorch,
    },
    { apt: 'dataset-fashion-mnist', why: `the Fashion-MNIST training tests (${FASHION_MNIST})`, present: () => existsSync(FASHION_MNIST) },
  ];
  if (buildingCodeServer) {
    packages.push(
      { apt: 'libkrb5-dev', why: "code-server's kerberos module", present: () => existsSync('/usr/include/gssapi/gssapi.h') },
      { apt: 'build-essential', why: "code-server's native modules", present: () => onPath(env, 'make') && onPath(env, 'g++') },
      { apt: 'python3', why: 'node-gyp, building those modules', present: () => onPath(env, 'python3') },
    );
  }
  return packages;
}

/** The names of the packages whose check fails. */
export function missingPackages(packages) {
  return packages.filter((p) => !p.present()).map((p) => p.apt);
}

/**
 * What to do about missing packages: as root, the apt-get commands to run; otherwise stop
 * before any test, with the one line that installs them (a run that skipped what it
 * could not find would pass without testing it).
 */
export function aptPlan(packages, missing, isRoot) {
  if (missing.length === 0) return { commands: [] };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (isRoot) return { commands: [['apt-get', 'update', '-q'], install] };
  const lines = packages.filter((p) => missing.includes(p.apt)).map((p) => `  ${p.apt}: ${p.why}`);
  return {
    stop: [
      `npm test needs Debian packages that are missing:`,
      ...lines,
      'Install them, then run npm test again:',
      `  sudo ${install.join(' ')}`,
    ].join('\n'),
  };
}
