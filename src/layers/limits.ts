/** The limits user code runs under, in either language, and the words for hitting them. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_LIMIT_MB = 1024;

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** What a check rejects with when its AbortSignal fires (VS Code's Cancel). */
export function abortError(): Error {
  const err = new Error('the gradient check was cancelled');
  err.name = 'AbortError';
  return err;
}
