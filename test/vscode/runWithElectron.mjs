// Runs the integration suite (out/test/vscode/index.js) in desktop VS Code downloaded by
// @vscode/test-electron, on machines that can reach update.code.visualstudio.com. In CI
// here, test/ui/vscode.test.ts runs the same suite in code-server instead.
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve('.');
const workspace = join(mkdtempSync(join(tmpdir(), 'gradlens-')), 'examples');
cpSync(join(root, 'examples'), workspace, { recursive: true });
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'vscode', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  console.error(error);
  process.exit(1);
}
