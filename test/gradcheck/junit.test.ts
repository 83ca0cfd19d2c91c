import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget } from '../../src/gradcheck/checker';
import { toJUnitXml } from '../../src/gradcheck/junit';
import type { CheckTarget, LayerReport } from '../../src/gradcheck/types';
import { affine, batchSum, relu } from './layers';

/**
 * A strict-enough XML well-formedness check: tags balance, attributes are quoted,
 * text holds no raw '<' and every '&' starts an entity.
 */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body))) {
    consumed = token.lastIndex;
    const [, close, name, attrs, selfClose, text] = m;
    const checkEntities = (s: string) => assert.doesNotMatch(s, /&(?!(amp|lt|gt|quot|apos|#\d+);)/, `bad entity in ${s}`);
    if (text !== undefined) {
      checkEntities(text);
      continue;
    }
    checkEntities(attrs);
    if (close) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else if (!selfClose) stack.push(name);
  }
  assert.equal(consumed, body.length, `unparsable XML at: ${body.slice(consumed, consumed + 60)}`);
  assert.deepEqual(stack, []);
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
}

function reports(): LayerReport[] {
  const tricky: CheckTarget = {
    ...affine(2, 2, 2),
    name: 'a<b>&"c\'',
    backward: () => {
      throw new Error('bad \x1b[31m<tag> & "quote"');
    },
  };
  return [
    { ...checkTarget(affine(3, 4, 2), { mode: 'full' }), file: 'examples/affine.ts', line: 3 },
    { ...checkTarget(batchSum(8, 3, 1 / 8), { mode: 'full' }), file: 'examples/affine.ts', line: 20 },
    { ...checkTarget(tricky, { mode: 'full' }), file: 'examples/weird & <odd>.js' },
    { ...checkTarget(relu([0, 0]), { mode: 'full' }), file: 'examples/relu.js' },
    {
      ...checkTarget(
        affine(3, 4, 2, (g) => [g[0], g[1], null]),
        { mode: 'full' },
      ),
      file: 'examples/relu.js',
    },
  ];
}

test('JUnit XML: a testsuite per file, a testcase per input, failures with expected and actual', () => {
  const xml = toJUnitXml(reports());
  assertWellFormed(xml);
  assert.match(
    xml,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="gradlens" tests="9" failures="2" errors="1" skipped="1" time="[\d.]+">/,
  );
  assert.equal(xml.match(/<testsuite /g)?.length, 3);
  assert.match(xml, /<testsuite name="examples\/affine\.ts" tests="4" failures="1" errors="0" skipped="0"/);
  assert.match(xml, /<testcase classname="examples\/affine\.ts\.affine" name="affine: dx" time="[\d.]+"\/>/);
  assert.match(
    xml,
    /<failure message="dx: off by a constant factor of exactly 1\/8 \(N = 8\): a mean where a sum belongs\?" type="GradientMismatch">/,
  );
  assert.match(xml, /\[\d+,\d+\]: expected \(numeric\) -?[\d.e-]+, actual \(analytic\) -?[\d.e-]+/);
  assert.match(xml, /<skipped message="not checked: backward returned no gradient for b"\/>/);
  assert.match(xml, /type="AllKinks"/);
});

test('JUnit XML escapes names and messages and drops control characters', () => {
  const xml = toJUnitXml(reports());
  assert.match(xml, /<testsuite name="examples\/weird &amp; &lt;odd&gt;\.js"/);
  assert.match(xml, /name="a&lt;b&gt;&amp;&quot;c&apos;"/);
  assert.match(
    xml,
    /<error message="backward threw: bad \[31m&lt;tag&gt; &amp; &quot;quote&quot;" type="LayerError">backward threw: bad \[31m&lt;tag&gt; &amp; "quote"<\/error>/,
  );
});

test('an empty run is still a valid document', () => {
  const xml = toJUnitXml([]);
  assertWellFormed(xml);
  assert.match(xml, /<testsuites name="gradlens" tests="0" failures="0" errors="0" skipped="0" time="0\.000">\n<\/testsuites>/);
});
