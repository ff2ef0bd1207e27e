import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDrain } from './http-drain';

/** A server whose responses are under way across event-loop turns, as pages waiting on SQL are. */
async function startServer(): Promise<{ server: http.Server; drain: HttpDrain; port: number }> {
  const server = http.createServer((_req, res) => setImmediate(() => res.end('answered')));
  const drain = new HttpDrain(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, drain, port: (server.address() as AddressInfo).port };
}

describe('HttpDrain', () => {
  it('counts what is under way, and answers it with Connection: close once draining', async () => {
    const { server, drain, port } = await startServer();
    const agent = new http.Agent({ keepAlive: true });
    const response = new Promise<http.IncomingMessage>((resolve) =>
      http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) =>
        res.resume().on('end', () => resolve(res)),
      ),
    );
    await new Promise((resolve) => server.once('request', resolve));
    expect(drain.load).toEqual({ connections: 1, requests: 1 });
    const closed = drain.close(Date.now() + 5_000);
    expect((await response).headers.connection).toBe('close');
    await closed;
    expect(drain.load).toEqual({ connections: 0, requests: 0 });
    agent.destroy();
    server.close();
  });
});
