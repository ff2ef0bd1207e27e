/** Name of the capped exponential backoff (registered on every queue by QueueModule). */
export const CAPPED_EXPONENTIAL = 'capped-exponential';

export interface CappedExponentialOptions {
  /** The first retry's delay; each later one doubles… */
  delay: number;
  /** …up to this. */
  max: number;
}

/** Delay before retry number `attemptsMade` (1 after the first failure): delay, 2×, 4×, … max. */
export function cappedExponentialDelay(
  attemptsMade: number,
  { delay, max }: CappedExponentialOptions,
): number {
  return Math.min(max, delay * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * How many attempts retrying on that schedule takes to keep trying for at least `windowMs`
 * (the first attempt plus enough retries that their delays add up to the window).
 */
export function attemptsCovering(windowMs: number, options: CappedExponentialOptions): number {
  let waited = 0;
  let retries = 0;
  while (waited < windowMs) {
    retries += 1;
    waited += cappedExponentialDelay(retries, options);
  }
  return retries + 1;
}

/** Bull's custom backoff strategies (queue `settings.backoffStrategies`). */
export const BACKOFF_STRATEGIES = {
  [CAPPED_EXPONENTIAL]: (attemptsMade: number, _error: Error, options: CappedExponentialOptions) =>
    cappedExponentialDelay(attemptsMade, options),
};
