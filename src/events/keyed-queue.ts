/**
 * Runs tasks with the same key one after another (different keys in parallel), in this process.
 * Concurrent RSVPs to one event serialise on its row lock in PostgreSQL anyway; queueing them here
 * first means they wait in memory instead of each holding a pooled connection while blocked on the
 * lock, so a rush on one event cannot starve the pool for every other page. Hand-written: a promise
 * chain per key is a dozen lines, less than any dependency's surface.
 */
export class KeyedQueue<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
