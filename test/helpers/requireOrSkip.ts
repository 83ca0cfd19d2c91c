/**
 * The one decision a test makes when something it needs from outside npm is missing (a
 * browser, a dataset, an interpreter's package, a bundle not built): skip, saying what is
 * missing and how to get it. With CI=true it throws instead, failing the run: in CI,
 * `npm test` has installed all of these (scripts/prepare-tests.mjs), so a missing one is
 * a broken setup, and a run that skipped would pass without testing what it claims to.
 *
 * Use it as a test's `skip` option, or as `const why = requireOrSkip(...); if (why) return t.skip(why);`.
 */
export function requireOrSkip(what: string, available: boolean, installHint: string): string | false {
  if (available) return false;
  const reason = `${what} is missing (${installHint})`;
  if (inCi()) throw new Error(`${reason}; with CI=true a missing prerequisite fails the run instead of skipping`);
  return reason;
}

function inCi(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '');
}
