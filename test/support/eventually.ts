/**
 * Retries `check` until it returns without throwing, and gives what it returned; after `timeoutMs`
 * rethrows its last failure. The check is an assertion (`expect(…)` inside it), never a condition:
 * one that returns a boolean fails at once, since `false` would otherwise count as "passed" (or,
 * with the opposite rule, a forgotten `return` would wait forever).
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let result: T;
    try {
      result = await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      continue;
    }
    if (typeof result === 'boolean') {
      throw new TypeError('eventually: the check returned a boolean; assert inside it with expect() instead');
    }
    return result;
  }
}
