import type { Request, Response } from 'express';
import type { ShutdownState } from '../core/shutdown-state';

const HEARTBEAT_MS = 15_000;

/** A server-sent events response being written: see openEventStream. */
export interface EventStream {
  /** Writes one event (`data` as JSON); ignored once closed. */
  send(event: string, data: unknown): void;
  /** Ends the response (idempotent) and runs what `onClose` registered. */
  close(): void;
  /** Runs `cleanup` when the stream ends, whoever ends it (the client, the server, a shutdown). */
  onClose(cleanup: () => void): void;
}

/**
 * Starts a server-sent events response: headers that keep proxies from buffering it, a comment
 * every 15 s so idle connections stay open, and an end when the client goes away or this process
 * starts draining (the browser's EventSource then reconnects, to another replica). The task page's
 * progress and the check-in page's counts both stream through this.
 */
export function openEventStream(req: Request, res: Response, shutdown: ShutdownState): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  const cleanups: Array<() => void> = [];
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const stream: EventStream = {
    send(event, data) {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      for (const cleanup of cleanups.splice(0)) cleanup();
      res.end();
    },
    onClose(cleanup) {
      if (closed) cleanup();
      else cleanups.push(cleanup);
    },
  };
  req.on('close', () => stream.close());
  stream.onClose(shutdown.onDrain(() => stream.close()));
  return stream;
}
