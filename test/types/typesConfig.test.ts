/**
 * The "Add Types for 'gradlens' Imports" command's edits: a user's config keeps its text and
 * comments, gains the types' path in the right list, and TypeScript then resolves `gradlens`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { addTypesToConfig, gradlensSpecifierOffset, newJsConfig, TYPES_PATH } from '../../src/extension/typesConfig';

const ts = createRequire(path.resolve('package.json'))('typescript') as typeof TS;

/** The config's value as TypeScript reads it (JSON with comments). */
function read(text: string): Record<string, unknown> {
  const parsed = ts.parseConfigFileTextToJson('tsconfig.json', text);
  assert.equal(parsed.error, undefined, parsed.error && ts.flattenDiagnosticMessageText(parsed.error.messageText, '\n'));
  return parsed.config as Record<string, unknown>;
}

function edited(text: string): { text: string; listedIn: string } {
  const edit = addTypesToConfig(text);
  assert.equal(edit.kind, 'edited', JSON.stringify(edit));
  return edit as { text: string; listedIn: string };
}

test('include gets the path appended; comments, trailing commas and other members are kept', () => {
  const text = `{
  // my project
  "compilerOptions": { "strict": true, /* keep */ "paths": { "x": ["./y"] } },
  "include": ["src/**/*", "layers",], // trailing comma
}
`;
  const out = edited(text);
  assert.equal(out.listedIn, 'include');
  assert.match(out.text, /\/\/ my project/);
  assert.match(out.text, /\/\* keep \*\//);
  assert.deepEqual(read(out.text).include, ['src/**/*', 'layers', TYPES_PATH]);
  assert.deepEqual(read(out.text).compilerOptions, { strict: true, paths: { x: ['./y'] } });
});

test('files is preferred to include (an exact list); an empty list gets its first entry', () => {
  assert.deepEqual(read(edited('{ "files": ["a.ts"], "include": ["b"] }').text).files, ['a.ts', TYPES_PATH]);
  assert.deepEqual(read(edited('{ "include": [] }').text).include, [TYPES_PATH]);
});

test('a config with neither list includes everything, and still does after the edit', () => {
  assert.deepEqual(read(edited('{ "compilerOptions": {} }').text), { include: ['**/*', TYPES_PATH], compilerOptions: {} });
  assert.deepEqual(read(edited('{}').text), { include: ['**/*', TYPES_PATH] });
});

test('nothing changes when already listed; what cannot be edited safely is said, not guessed', () => {
  assert.deepEqual(addTypesToConfig(`{ "include": ["**/*", "${TYPES_PATH}"] }`), { kind: 'unchanged' });
  const extending = addTypesToConfig('{ "extends": "./base.json" }');
  assert.equal(extending.kind, 'manual');
  assert.match((extending as { reason: string }).reason, /extends/);
  const broken = addTypesToConfig('{ "include": ["a" ');
  assert.equal(broken.kind, 'manual');
  assert.match((broken as { reason: string }).reason, /not valid JSON/);
  assert.equal(addTypesToConfig('[1, 2]').kind, 'manual');
});

test("finds the 'gradlens' specifier of an import, export, import() or require(), and nothing else", () => {
  for (const text of [
    "import { layer } from 'gradlens';",
    'import * as g from "gradlens"',
    "export { F } from 'gradlens';",
    "const g = require('gradlens');",
    "const g = await import('gradlens');",
    "import 'gradlens';",
  ]) {
    const at = gradlensSpecifierOffset(text);
    assert.ok(at !== undefined, text);
    assert.equal(text.slice(at, at + 'gradlens'.length), 'gradlens', text);
  }
  assert.equal(gradlensSpecifierOffset("import { x } from 'gradlens-extra';\nconst s = 'gradlens';"), undefined);
});

test('after the edit, TypeScript resolves gradlens for a TS and a JS layer file in that project', () => {
  const layerTs =
    "import { layer, type Tensor } from 'gradlens';\nexport const a = layer({ inputs: { x: [2] }, forward: ({ x }) => x.mul(2), backward: (_i, d: Tensor) => ({ x: d.mul(2) }) });\n";
  const layerJs =
    "// @ts-check\nimport { layer } from 'gradlens';\nexport const b = layer({ inputs: { x: [2] }, forward: ({ x }) => x.relu(), backward: (_i, d) => ({ x: d }) });\n";
  const cases: [string, string][] = [
    [
      'tsconfig.json',
      '{\n  // strict, like many projects\n  "compilerOptions": { "strict": true, "target": "ES2022", "noEmit": true, "module": "ESNext", "moduleResolution": "bundler", "allowJs": true, "checkJs": true, "types": [] },\n  "include": ["layers"]\n}\n',
    ],
    ['jsconfig.json', newJsConfig().replace('"checkJs": false', '"checkJs": true, "types": []')],
  ];
  for (const [name, config] of cases) {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlens-types-'));
    mkdirSync(path.join(dir, 'layers'));
    writeFileSync(path.join(dir, 'layers', 'a.ts'), layerTs);
    writeFileSync(path.join(dir, 'layers', 'b.js'), layerJs);
    const diagnostics = (configText: string): string[] => {
      writeFileSync(path.join(dir, name), configText);
      const parsed = ts.getParsedCommandLineOfConfigFile(
        path.join(dir, name),
        {},
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => assert.fail('config unreadable') },
      )!;
      const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    const withoutTypes = name === 'tsconfig.json' ? config : config.replace(`, "${TYPES_PATH}"`, '');
    assert.ok(
      diagnostics(withoutTypes).some((m) => m.includes("Cannot find module 'gradlens'")),
      `${name}: expected the error before`,
    );
    mkdirSync(path.join(dir, '.gradlens'));
    copyFileSync(path.resolve('dist/gradlens.d.ts'), path.join(dir, TYPES_PATH));
    const after = name === 'tsconfig.json' ? edited(config).text : config;
    assert.deepEqual(diagnostics(after), [], name);
  }
});
