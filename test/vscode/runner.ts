/**
 * A small sequential test runner for inside VS Code's extension host (mocha is not a
 * dependency here). Results go to the file named by GRADLENS_VSCODE_RESULTS, when set,
 * for the launcher outside VS Code to read; run() rejects when any test failed.
 */
import { writeFileSync } from 'node:fs';

export interface SuiteTest {
  name: string;
  fn: () => Promise<void>;
  timeoutMs?: number;
}

export interface TestOutcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`'${name}' took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runSuite(tests: SuiteTest[]): Promise<void> {
  const outcomes: TestOutcome[] = [];
  const started = Date.now();
  for (const t of tests) {
    const begin = Date.now();
    try {
      await withTimeout(t.fn(), t.timeoutMs ?? 60_000, t.name);
      outcomes.push({ name: t.name, ok: true, ms: Date.now() - begin });
    } catch (error) {
      outcomes.push({
        name: t.name,
        ok: false,
        ms: Date.now() - begin,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    console.log(`${outcomes.at(-1)!.ok ? 'ok' : 'FAILED'} ${t.name} (${outcomes.at(-1)!.ms} ms)`);
  }
  const failed = outcomes.filter((o) => !o.ok);
  const target = process.env.GRADLENS_VSCODE_RESULTS;
  if (target) writeFileSync(target, JSON.stringify({ outcomes, ms: Date.now() - started }, null, 2));
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${outcomes.length} GradLens integration tests failed:\n${failed.map((f) => `${f.name}: ${f.error}`).join('\n')}`,
    );
  }
}
