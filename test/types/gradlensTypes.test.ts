/**
 * dist/gradlens.d.ts (written by scripts/build-types.mjs during `node esbuild.mjs`) is what
 * lets an editor type-check a user's layer file: it must stand alone, accept real layer
 * code, reject wrong code, and cover the shipped examples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TS from 'typescript';

// Loaded at run time rather than bundled into the test (the compiler is a 9 MB file).
const ts = createRequire(path.resolve('package.json'))('typescript') as typeof TS;
const TYPES = path.resolve('dist/gradlens.d.ts');

/** What a user's editor would have: the ES library and the d.ts, no @types, no skipLibCheck. */
const USER_OPTIONS: TS.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
};

/** Diagnostics of compiling in-memory user files (name to text) against the d.ts, as "file:line: message". */
function diagnose(files: Record<string, string>, options = USER_OPTIONS): string[] {
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const memory = new Map(Object.entries(files).map(([name, text]) => [path.resolve(name), text]));
  host.readFile = (f) => memory.get(path.resolve(f)) ?? read(f);
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => memory.has(path.resolve(f)) || exists(f);
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = memory.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSource(f, lang, ...rest);
  };
  const program = ts.createProgram([TYPES, ...memory.keys()], options, host);
  return format(ts.getPreEmitDiagnostics(program));
}

function format(diagnostics: readonly TS.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.basename(d.file.fileName)}:${line + 1}: ${message}`;
  });
}

const USER_LAYERS = `import { layer, F, nn, optim, tensor, randn, noGrad, Rng, type Tensor } from 'gradlens';

export const affineRelu = layer({
  inputs: { x: [4, 5], w: [5, 3], b: (rng: Rng) => randn([3], { rng }) },
  forward: ({ x, w, b }) => {
    const z = x.matmul(w).add(b);
    return { out: F.relu(z), cache: { z } };
  },
  backward: ({ x, w }, dout, { z }: { z: Tensor }) => {
    const dz = dout.mul(z.gt(0));
    return { x: dz.matmul(w.T), w: x.T.matmul(dz), b: dz.sum(0) };
  },
  tolerance: { atol: 1e-6 },
});

export const dropped = layer({
  name: 'dropout',
  inputs: { x: [[1, 2], [3, 4.5]] },
  forward: ({ x }, ctx) => F.dropout(x, { p: 0.5, training: true, rng: ctx.rng }),
  backward: () => ({ x: null }),
});

export function trainOneStep(): number {
  const model = new nn.Linear(5, 2);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const loss = F.mseLoss(model.forward(randn([8, 5], { seed: 1 })), tensor([[0, 1]]).expand([8, 2]));
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return noGrad(() => loss.item());
}
`;

test('the d.ts was built and stands alone: no references, no imports outside itself', () => {
  assert.ok(existsSync(TYPES), `${TYPES} is missing: run node esbuild.mjs`);
  const text = readFileSync(TYPES, 'utf8');
  const source = ts.createSourceFile(TYPES, text, ts.ScriptTarget.Latest, true);
  assert.deepEqual([...source.referencedFiles, ...source.typeReferenceDirectives, ...source.libReferenceDirectives], []);
  assert.ok(!ts.isExternalModule(source), 'the d.ts must be a script of ambient module declarations');
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (node: TS.Node): void => {
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) declared.add(node.name.text);
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      used.add(node.moduleSpecifier.text);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      used.add(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  assert.ok(declared.has('gradlens'));
  assert.deepEqual(
    [...used].filter((m) => !declared.has(m)),
    [],
  );
  assert.deepEqual(diagnose({}), [], 'the d.ts alone compiles without errors');
});

test('a layer file using layer(), tensors, F, nn and optim type-checks against it', () => {
  assert.deepEqual(diagnose({ 'user/layers.ts': USER_LAYERS }), []);
});

test('wrong uses are caught: a string where a tensor belongs, a misspelt method, a bad input spec', () => {
  const wrong = USER_LAYERS.replace('x.matmul(w)', "x.matmul('w')")
    .replace('dz.sum(0)', 'dz.summ(0)')
    .replace('inputs: { x: [[1, 2], [3, 4.5]] }', "inputs: { x: 'four by five' }");
  const found = diagnose({ 'user/layers.ts': wrong });
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0], /^layers\.ts:6: Argument of type 'string' is not assignable to parameter of type 'Tensor'/);
  assert.match(found.find((d) => /summ/.test(d)) ?? '', /^layers\.ts:11: .*'summ' does not exist on type 'Tensor'/);
  assert.ok(
    found.some((d) => /^layers\.ts:1[78]: .*'string' is not assignable/.test(d)),
    found.join('\n'),
  );
});

test('PyTorch habits type-check: manualSeed, setDefaultDtype, modules and randn without options; a dtype that does not exist does not', () => {
  const script = `import { manualSeed, setDefaultDtype, getDefaultDtype, getDefaultGenerator, randn, nn, type Rng } from 'gradlens';
const g: Rng = manualSeed(0);
const previous: 'float32' | 'float64' = setDefaultDtype('float32');
export const model = new nn.Sequential(new nn.Conv2d(3, 16, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(16, 10), new nn.Dropout());
export const x = randn([2, 3, 3, 3]);
export const same: boolean = g === getDefaultGenerator() && getDefaultDtype() !== previous;
`;
  assert.deepEqual(diagnose({ 'user/habits.ts': script }), []);
  const wrong = diagnose({ 'user/habits.ts': script.replace("setDefaultDtype('float32')", "setDefaultDtype('float16')") });
  assert.equal(wrong.length, 1, wrong.join('\n'));
  assert.match(wrong[0], /^habits\.ts:3: Argument of type '"float16"' is not assignable to parameter of type 'FloatDType'/);
});

test('without the d.ts the same file cannot find the module (what an editor showed before)', () => {
  const host = ts.createCompilerHost(USER_OPTIONS);
  const file = path.resolve('user/layers.ts');
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) =>
    path.resolve(f) === file ? ts.createSourceFile(f, USER_LAYERS, lang) : getSource(f, lang, ...rest);
  const found = format(ts.getPreEmitDiagnostics(ts.createProgram([file], USER_OPTIONS, host)));
  assert.ok(
    found.some((d) => d.includes("Cannot find module 'gradlens'")),
    found.join('\n'),
  );
});

test('examples/tsconfig.json type-checks every example against its copy of the d.ts', () => {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.resolve('examples/tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  assert.ok(parsed);
  assert.deepEqual(format(parsed.errors), []);
  const copy = path.resolve('examples/.gradlens/gradlens.d.ts');
  assert.ok(parsed.fileNames.includes(copy), 'the config includes examples/.gradlens/gradlens.d.ts');
  assert.equal(readFileSync(copy, 'utf8'), readFileSync(TYPES, 'utf8'), 'the examples carry the current types');
  const examples = parsed.fileNames.filter((f) => f.endsWith('.ts') && f !== copy);
  assert.ok(examples.some((f) => f.endsWith('mlp.ts')) && examples.length >= 5, examples.join('\n'));
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  assert.deepEqual(format(ts.getPreEmitDiagnostics(program)), []);
});

test('the sandbox fixtures written as user layer files type-check against it too', () => {
  const fixtures = ['test/layers/fixtures/good.ts', 'test/layers/fixtures/loadThrows.ts'];
  for (const f of fixtures) assert.doesNotMatch(readFileSync(f, 'utf8'), /@ts-nocheck/, f);
  const program = ts.createProgram([TYPES, ...fixtures.map((f) => path.resolve(f))], USER_OPTIONS);
  assert.deepEqual(format(ts.getPreEmitDiagnostics(program)), []);
});
