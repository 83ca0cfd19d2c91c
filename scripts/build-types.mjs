// Writes dist/gradlens.d.ts: the types of what `import ... from 'gradlens'` gives a user's
// layer file (src/api.ts), in one self-contained file, so an editor can type-check and
// complete a layer file although `gradlens` is only provided when the checker runs it.
//
// The TypeScript compiler emits a declaration file per source module (in memory); each
// module reachable from api.d.ts then becomes an ambient `declare module` block in one
// file, with its relative imports renamed to those blocks' names. api.ts itself becomes
// `declare module 'gradlens'`; the others are named 'gradlens/internal/<path>'. Being
// ambient, the file works wherever it is part of a program: listed in a tsconfig's
// `files`, matched by its `include`, or added by an editor plugin.
import ts from 'typescript';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';

const ENTRY = 'src/api.ts';
export const TYPES_OUT = 'dist/gradlens.d.ts';
// The examples carry the layout "GradLens: Add Types for 'gradlens' Imports" gives a user's
// folder (examples/tsconfig.json lists it), so they type-check wherever they are copied.
const EXAMPLES_TYPES_OUT = 'examples/.gradlens/gradlens.d.ts';
const PUBLIC_NAME = 'gradlens';
const INTERNAL_PREFIX = 'gradlens/internal/';

/** Emits the declarations of `entry` and everything it imports, keyed by module path relative to the source root ('engine/tensor'). */
function emitDeclarations(root, entry) {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  const base = configPath
    ? (ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })?.options ?? {})
    : {};
  const srcRoot = join(root, dirname(entry));
  const outDir = join(root, '.declarations'); // never written: emit goes through writeFile below
  const options = {
    ...base,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    stripInternal: true,
    rootDir: srcRoot,
    outDir,
    types: [],
  };
  const program = ts.createProgram([join(root, entry)], options);
  const modules = new Map();
  const result = program.emit(undefined, (fileName, text) => {
    const id = posix.normalize(relative(outDir, fileName).split('\\').join('/')).replace(/\.d\.ts$/, '');
    modules.set(id, text);
  });
  return { modules, diagnostics: result.diagnostics };
}

/** The module id a relative specifier in module `from` names, or undefined when no emitted module matches. */
function resolveRelative(from, specifier, modules) {
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.(m|c)?(j|t)sx?$/, '');
  for (const id of [joined, posix.join(joined, 'index')]) if (modules.has(id)) return id;
  return undefined;
}

function blockName(id) {
  return id === posix.normalize(ENTRY.replace(/^src\//, '').replace(/\.ts$/, '')) ? PUBLIC_NAME : INTERNAL_PREFIX + id;
}

/**
 * One module's declarations as the body of an ambient block: relative specifiers renamed,
 * top-level `declare` dropped (a block is already ambient), triple-slash directives refused.
 * Returns the body and the module ids it refers to.
 */
function toAmbientBody(id, text, modules) {
  const source = ts.createSourceFile(`${id}.d.ts`, text, ts.ScriptTarget.Latest, true);
  if (source.typeReferenceDirectives.length || source.referencedFiles.length || source.libReferenceDirectives.length) {
    throw new Error(`build-types: ${id}.d.ts has a triple-slash reference; the public types must not depend on other declaration files`);
  }
  const edits = [];
  const refs = new Set();
  const rename = (literal) => {
    const spec = literal.text;
    if (!spec.startsWith('.')) {
      throw new Error(
        `build-types: ${id}.d.ts imports '${spec}', a package the user's editor cannot be assumed to have; keep it out of the public API's types`,
      );
    }
    const target = resolveRelative(id, spec, modules);
    if (!target) throw new Error(`build-types: ${id}.d.ts imports '${spec}', which emitted no declarations`);
    refs.add(target);
    edits.push({ start: literal.getStart(source), end: literal.getEnd(), text: `'${blockName(target)}'` });
  };
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      rename(node.moduleSpecifier);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      rename(node.argument.literal);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      rename(node.moduleReference.expression);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      // A module augmentation (methods.ts adds Tensor's methods this way): TypeScript
      // accepts it nested in an ambient block once it names that block's module.
      rename(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const statement of source.statements) {
    const declare = ts.canHaveModifiers(statement)
      ? ts.getModifiers(statement)?.find((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
      : undefined;
    if (declare) edits.push({ start: declare.getStart(source), end: declare.getEnd() + 1, text: '' });
  }
  let body = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  return { body, refs };
}

/** Assembles the ambient file from the emitted modules, keeping only those reachable from the entry. */
export function assembleTypes(modules, entryId) {
  const bodies = new Map();
  const queue = [entryId];
  while (queue.length) {
    const id = queue.shift();
    if (bodies.has(id)) continue;
    const text = modules.get(id);
    if (text === undefined) throw new Error(`build-types: no declarations were emitted for ${id}`);
    const { body, refs } = toAmbientBody(id, text, modules);
    bodies.set(id, body);
    queue.push(...refs);
  }
  const indent = (s) =>
    s
      .trimEnd()
      .split('\n')
      .map((line) => (line ? `  ${line}` : line))
      .join('\n');
  const blocks = [...bodies].map(([id, body]) => `declare module '${blockName(id)}' {\n${indent(body)}\n}\n`);
  return (
    `// The types of 'gradlens', the module GradLens provides to layer files when it checks them.\n` +
    `// Generated by scripts/build-types.mjs from src/api.ts; 'gradlens/internal/*' are its parts.\n\n` +
    blocks.join('\n')
  );
}

/** Builds dist/gradlens.d.ts; throws (naming the module) when the public API's types cannot be made self-contained. */
export function buildTypes(root = process.cwd()) {
  const started = Date.now();
  const { modules, diagnostics } = emitDeclarations(root, ENTRY);
  const entryId = posix.normalize(ENTRY.replace(/^src\//, '').replace(/\.ts$/, ''));
  const text = assembleTypes(modules, entryId);
  // Declaration-emit errors (a type that cannot be named, say) only matter in modules the public types reach.
  const reached = new Set([...text.matchAll(/^declare module '([^']+)'/gm)].map((m) => m[1]));
  const relevant = diagnostics.filter((d) => {
    if (!d.file) return true;
    const id = relative(join(root, 'src'), d.file.fileName)
      .split('\\')
      .join('/')
      .replace(/\.tsx?$/, '');
    return reached.has(blockName(id));
  });
  if (relevant.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    throw new Error(`build-types: declaration emit failed:\n${ts.formatDiagnostics(relevant, host)}`);
  }
  for (const file of [TYPES_OUT, EXAMPLES_TYPES_OUT]) {
    const out = resolve(root, file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
  }
  return { file: TYPES_OUT, modules: reached.size, ms: Date.now() - started };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, modules, ms } = buildTypes();
  console.log(`wrote ${file} (${modules} modules) in ${ms} ms`);
}
