import { eventually } from './eventually';

describe('eventually', () => {
  it('retries until the check stops throwing, and gives what it returned', async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls += 1;
        expect(calls).toBeGreaterThanOrEqual(3);
        return 'done';
      },
      5_000,
      1,
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it("rethrows the check's last failure once the time is up", async () => {
    let calls = 0;
    await expect(
      eventually(
        () => {
          calls += 1;
          throw new Error(`failure ${calls}`);
        },
        30,
        5,
      ),
    ).rejects.toThrow(`failure`);
    expect(calls).toBeGreaterThan(1);
  });

  it('refuses a check that returns a boolean at once: false would pass, or never pass', async () => {
    const started = Date.now();
    await expect(eventually(() => false, 5_000)).rejects.toThrow(/returned a boolean/);
    await expect(eventually(async () => true, 5_000)).rejects.toThrow(/returned a boolean/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
