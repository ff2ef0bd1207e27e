import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * A keep-alive connection that answered its last response this recently is not closed yet: its
 * client may already have sent the next request (closing it then resets that request). Instead
 * that request is answered, with `Connection: close`.
 */
const IDLE_GRACE_MS = 500;
const CHECK_EVERY_MS = 25;

interface ConnectionState {
  /** Responses under way on the connection (more than one only when a client pipelines). */
  active: number;
  idleSince: number;
}

/**
 * Stops an HTTP server without failing a request it took (a deploy): it stops accepting
 * connections, answers every request already sent on an open one with `Connection: close`, closes
 * keep-alive connections once idle, and resolves when none is left, or at the deadline after
 * destroying what remains.
 *
 * Written here (about 60 lines over Node's own server events) because the libraries for it
 * (http-terminator, stoppable) close idle keep-alive connections at once, or keep accepting new
 * connections during their grace period; and Node's `server.close()` itself also destroys idle
 * connections at once. Either resets a request its client sent just before the signal, on a
 * connection that was idle for the microseconds between two requests (and a proxy's kept-alive
 * health-check connection is simply cut instead of being told "not ready").
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, ConnectionState>();
  private readonly responses = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { active: 0, idleSince: Date.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
    // Registered before the application's own listener (Express), so this runs first.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const state = this.connections.get(req.socket);
      if (state) state.active += 1;
      this.responses.add(res);
      if (this.draining) res.setHeader('Connection', 'close');
      res.once('close', () => {
        this.responses.delete(res);
        if (!state) return;
        state.active -= 1;
        state.idleSince = Date.now();
      });
    });
  }

  /** Open connections and responses under way, for the shutdown log line. */
  get load(): { connections: number; requests: number } {
    return { connections: this.connections.size, requests: this.responses.size };
  }

  async close(deadline: number): Promise<void> {
    this.draining = true;
    for (const res of this.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    // net.Server's close: stop listening, without http.Server's immediate sweep of idle connections.
    const stopped = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.server, () => resolve()),
    );
    while (this.connections.size && Date.now() < deadline) {
      const now = Date.now();
      for (const [socket, state] of this.connections) {
        if (state.active === 0 && now - state.idleSince >= IDLE_GRACE_MS) socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
    }
    // Past the deadline: whatever is still running is cut off, so the process can stop in time.
    for (const socket of this.connections.keys()) socket.destroy();
    await stopped;
  }
}
