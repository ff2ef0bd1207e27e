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
  socket: Socket;
  /** Responses under way on the connection (more than one only when a client pipelines). */
  responses: ServerResponse[];
  idleSince: number;
  /** Its place in HttpDrain's `connections`. */
  index: number;
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
 *
 * What is under way is kept in arrays, not in a Set or Map that every request adds to and removes
 * from: V8 keeps the tables such a long-lived Set outgrew linked to the ones that replaced them
 * (for iterators), so every response it ever held outlived young-generation collections until the
 * next full one. Measured (docs/performance.md, seventh pass): 6–14 MB promoted per scavenge, each
 * pausing 10–20 ms, a third of the throughput.
 */
export class HttpDrain {
  private readonly connections: ConnectionState[] = [];
  /** Each open connection's state, found from its socket (no iteration: a WeakMap is fine here). */
  private readonly stateOf = new WeakMap<Socket, ConnectionState>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => this.track(socket));
    // Registered before the application's own listener (Express), so this runs first.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const state = this.stateOf.get(req.socket) ?? this.track(req.socket);
      state.responses.push(res);
      if (this.draining) res.setHeader('Connection', 'close');
      res.once('close', () => {
        state.responses.splice(state.responses.indexOf(res), 1);
        state.idleSince = Date.now();
      });
    });
  }

  /** Open connections and responses under way, for the shutdown log line. */
  get load(): { connections: number; requests: number } {
    let requests = 0;
    for (const state of this.connections) requests += state.responses.length;
    return { connections: this.connections.length, requests };
  }

  private track(socket: Socket): ConnectionState {
    const state: ConnectionState = {
      socket,
      responses: [],
      idleSince: Date.now(),
      index: this.connections.length,
    };
    this.connections.push(state);
    this.stateOf.set(socket, state);
    socket.once('close', () => this.untrack(state));
    return state;
  }

  /** Removes `state` in O(1): the last connection takes its place. */
  private untrack(state: ConnectionState): void {
    const last = this.connections.pop()!;
    if (last !== state) {
      this.connections[state.index] = last;
      last.index = state.index;
    }
    this.stateOf.delete(state.socket);
  }

  async close(deadline: number): Promise<void> {
    this.draining = true;
    for (const { responses } of this.connections) {
      for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    // net.Server's close: stop listening, without http.Server's immediate sweep of idle connections.
    const stopped = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.server, () => resolve()),
    );
    while (this.connections.length && Date.now() < deadline) {
      const now = Date.now();
      // A copy: destroying a socket removes its connection from the list.
      for (const { socket, responses, idleSince } of [...this.connections]) {
        if (responses.length === 0 && now - idleSince >= IDLE_GRACE_MS) socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
    }
    // Past the deadline: whatever is still running is cut off, so the process can stop in time.
    for (const { socket } of [...this.connections]) socket.destroy();
    await stopped;
  }
}
