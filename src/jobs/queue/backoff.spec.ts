import { attemptsCovering, cappedExponentialDelay } from './backoff';

describe('capped exponential backoff', () => {
  it('doubles from the first delay up to the cap', () => {
    const options = { delay: 30_000, max: 3_600_000 };
    expect([1, 2, 3, 4, 7, 8, 20].map((attempt) => cappedExponentialDelay(attempt, options))).toEqual([
      30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000,
    ]);
  });

  it('gives as many attempts as it takes to keep retrying for the window', () => {
    // The defaults: 30 s doubling to an hour, for 24 hours.
    const options = { delay: 30_000, max: 3_600_000 };
    const attempts = attemptsCovering(86_400_000, options);
    const waits = Array.from({ length: attempts - 1 }, (_, index) =>
      cappedExponentialDelay(index + 1, options),
    );
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total).toBeGreaterThanOrEqual(86_400_000);
    expect(total - waits[waits.length - 1]).toBeLessThan(86_400_000);
    expect(attempts).toBe(31);
  });
});
