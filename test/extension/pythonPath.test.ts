import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_PYTHON, describePython, expandSetting, resolvePythonPath } from '../../src/extension/pythonPath';

test('the gradlens.pythonPath setting comes first, even when the Python extension has an interpreter', () => {
  assert.deepEqual(resolvePythonPath({ setting: '/usr/bin/python3', activeInterpreter: '/home/u/.venv/bin/python' }), {
    path: '/usr/bin/python3',
    source: 'setting',
  });
});

test("without the setting, the Python extension's selected interpreter", () => {
  assert.deepEqual(resolvePythonPath({ setting: '', activeInterpreter: '/home/u/.venv/bin/python' }), {
    path: '/home/u/.venv/bin/python',
    source: 'python-extension',
  });
});

test('without either (no Python extension, as in code-server here), python3 on PATH', () => {
  assert.deepEqual(resolvePythonPath({ setting: '' }), { path: DEFAULT_PYTHON, source: 'path' });
  assert.equal(DEFAULT_PYTHON, 'python3');
  // A blank or mistyped setting is treated as unset rather than spawned.
  for (const setting of ['   ', undefined, null, 3, ['python']])
    assert.equal(resolvePythonPath({ setting, activeInterpreter: ' ' }).source, 'path');
});

test('${workspaceFolder} and a leading ~ in the setting are filled in', () => {
  assert.equal(expandSetting('${workspaceFolder}/.venv/bin/python', '/w/proj'), '/w/proj/.venv/bin/python');
  assert.equal(expandSetting('~/miniconda3/bin/python', undefined, '/home/u'), '/home/u/miniconda3/bin/python');
  assert.equal(expandSetting('  python3.11 ', '/w', '/home/u'), 'python3.11');
  assert.equal(expandSetting('/opt/~x/python', '/w', '/home/u'), '/opt/~x/python');
});

test('the output channel says which interpreter and why', () => {
  assert.match(describePython({ path: 'python3', source: 'path' }), /^Python: python3 \(from PATH; set gradlens\.pythonPath/);
  assert.match(describePython({ path: '/usr/bin/python3', source: 'setting' }), /gradlens\.pythonPath setting/);
  assert.match(describePython({ path: '/v/bin/python', source: 'python-extension' }), /Python extension/);
});
