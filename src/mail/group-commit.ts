/**
 * Coalesces concurrent calls into one round trip ("group commit"): callers `add` an item and get
 * their own result, while at most one `flush` of the accumulated items runs at a time. Under load
 * that turns N inserts/updates/queue adds into one statement per batch; alone, a call is flushed on
 * the next turn of the event loop, so it costs no extra latency.
 *
 * Hand-written (about 40 lines) because the known batching libraries (dataloader) batch per tick
 * and cache by key, neither of which fits writes: here a batch waits for the previous flush, which
 * is what makes batches grow with load.
 */
export class GroupCommit<I, O> {
  private pending: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;
  private scheduled = false;

  constructor(
    /** Must return one result per item, in order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.flushing || !this.pending.length) return;
    this.flushing = true;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const results = await this.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.flushing = false;
      if (this.pending.length) this.schedule();
    }
  }
}
