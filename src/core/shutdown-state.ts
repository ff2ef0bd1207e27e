import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Whether the process is shutting down (SIGTERM received), for what must change at once: the
 * readiness check answers 503 so a proxy stops routing here, and long-lived responses (SSE streams)
 * end so their clients reconnect to another replica. Set by closeOnSignals.
 */
@Injectable()
export class ShutdownState {
  private drainingSince?: number;
  private readonly listeners = new Set<() => void>();

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Marks the process as draining and tells every listener (once). */
  beginDrain(): void {
    if (this.draining) return;
    this.drainingSince = Date.now();
    for (const listener of this.listeners) listener();
    this.listeners.clear();
  }

  /** Calls `listener` when draining begins (at once if it has). Returns the unsubscribe. */
  onDrain(listener: () => void): () => void {
    if (this.draining) {
      listener();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

@Global()
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class ShutdownModule {}
