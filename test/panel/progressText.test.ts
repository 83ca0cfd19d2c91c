// The line under the panel's progress bar, from a run's folded state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyRun } from '../../webview/panel/runState';
import { progressText } from '../../webview/panel/progressText';

test('progress text: not started, a past run with no steps, and an interrupted run', () => {
  assert.equal(progressText(emptyRun(), false), 'Not started');
  assert.equal(progressText(emptyRun(), true), 'This run recorded no steps.');
  const interrupted = { ...emptyRun(), status: 'interrupted' as const, step: 5, totalSteps: 60 };
  assert.match(progressText(interrupted, false), /^Interrupted at step 5 of 60/);
});
