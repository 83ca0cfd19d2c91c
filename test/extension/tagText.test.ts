import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { firstPlaceholder, placeholders, tagTextProblem } from '../../src/extension/tagText';
import { tagLine, tagPrefill } from '../../src/layers/tagSuggestion';
import { parseGradcheckTag } from '../../src/layers/tag';

test('the prefill names every parameter in call order, sizes left as ?', () => {
  const text = tagPrefill([
    { name: 'x', guess: 'tensor' },
    { name: 'w', guess: 'tensor' },
    { name: 'b', guess: 'tensor' },
    { name: 'conv_param', guess: 'const' },
  ]);
  assert.equal(text, 'x:[?] w:[?] b:[?] conv_param={}');
  assert.equal(
    tagPrefill([
      { name: 'x', guess: 'tensor' },
      { name: 'y', guess: 'int' },
    ]),
    'x:[?] y:int[?]<?',
  );
  assert.deepEqual(firstPlaceholder(text), [3, 4]);
  assert.equal(firstPlaceholder('x:[4]'), undefined);
});

test('the input box refuses the prefill until every ? is a number', () => {
  assert.match(tagTextProblem('x:[?] w:[?]', 'python')!, /Replace each of the 2 \? with a number/);
  assert.match(tagTextProblem('x:[4,5] y:int[4]<?', 'python')!, /Replace the \? with a number/);
  assert.equal(tagTextProblem('x:[4,5] y:int[4]<10', 'python'), undefined);
  // A '?' inside a JSON string constant is the user's, not a placeholder.
  assert.deepEqual(placeholders('x:[?] mode="what?"'), [3]);
  assert.equal(tagTextProblem('x:[2] mode="train?"', 'python'), undefined);
});

test("the grammar's own complaints come through, without the '@gradcheck:' prefix", () => {
  assert.match(tagTextProblem('x:[4,a]', 'python')!, /^the shape of 'x' must be whole numbers/);
  assert.match(tagTextProblem('conv_param={"stride": }', 'python')!, /must be JSON/);
  assert.match(tagTextProblem('y:int[3]<4', 'python')!, /no checked input/);
  assert.match(tagTextProblem('  ', 'python')!, /in call order/);
  assert.equal(tagTextProblem('x:[2,3] w:[3,4] b:[4] conv_param={"stride": 1, "pad": 1} atol=1e-4', 'python'), undefined);
});

test('a JavaScript tag cannot close its own comment', () => {
  assert.match(tagTextProblem('x:[2] s="*/"', 'javascript')!, /\*\//);
  assert.equal(tagTextProblem('x:[2] s="*/"', 'python'), undefined);
});

test("the tag line: a # comment in Python, a /** */ comment in JavaScript, at the definition's indent", () => {
  assert.equal(tagLine('python', '    ', 'x:[2,3] w:[3,4]'), '    # @gradcheck x:[2,3] w:[3,4]');
  assert.equal(tagLine('javascript', '', ' x:[2,3] '), '/** @gradcheck x:[2,3] */');
  // What is written reads back as the tag that was typed.
  for (const language of ['python', 'javascript'] as const) {
    const tag = parseGradcheckTag(tagLine(language, '  ', 'x:[2,3] y:int[2]<5 p={"a": 1}'))!;
    assert.equal(tag.problem, undefined);
    assert.deepEqual(tag.args, [
      { kind: 'tensor', name: 'x', shape: [2, 3] },
      { kind: 'int', name: 'y', shape: [2], high: 5 },
      { kind: 'const', name: 'p', value: { a: 1 } },
    ]);
  }
});
