/** The command line's sentence for untagged layer-like code: where it is, what it looks like, the tag it needs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untaggedSuggestion } from '../../src/layers/tagSuggestion';
import type { TagCandidate } from '../../src/layers/types';

const base: TagCandidate = { name: 'affine', convention: 'pair', language: 'python', line: 9, insertLine: 9, indent: '', params: [] };

test('each kind of candidate is named, with its line (and cell in a notebook) and the tag to write', () => {
  assert.equal(
    untaggedSuggestion({
      ...base,
      params: [
        { name: 'x', guess: 'tensor' },
        { name: 'w', guess: 'tensor' },
      ],
    }),
    'affine at line 10 looks like a forward/backward pair: put `# @gradcheck x:[?] w:[?]` on the line above it, with a size for each ?',
  );
  assert.equal(
    untaggedSuggestion({
      ...base,
      name: 'svm_loss',
      convention: 'loss',
      cell: 2,
      line: 0,
      params: [
        { name: 'x', guess: 'tensor' },
        { name: 'y', guess: 'int' },
      ],
    }),
    'svm_loss at cell 3, line 1 looks like a loss function returning (loss, grads): put `# @gradcheck x:[?] y:int[?]<?` on the line above it, with a size for each ?',
  );
  assert.match(
    untaggedSuggestion({ ...base, name: 'Relu', convention: 'object' }),
    /^Relu at line 10 looks like a layer object with forward and backward: /,
  );
  assert.match(untaggedSuggestion({ ...base, name: 'Square', convention: 'autograd' }), /looks like a torch\.autograd\.Function: /);
  assert.equal(
    untaggedSuggestion({ ...base, name: 'scale', language: 'javascript', params: [{ name: 'opts', guess: 'const' }] }),
    'scale at line 10 looks like a forward/backward pair: put `/** @gradcheck opts={} */` on the line above it',
    'no ? to fill: no size to ask for',
  );
});
