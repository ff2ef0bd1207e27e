import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { requestLogger } from './request-logging';

describe('requestLogger (the logger of a request, made when something logs)', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const root = pino(
    {
      level: 'warn',
      serializers: { req: (req: IncomingMessage & { id?: string }) => ({ id: req.id, url: req.url }) },
    },
    sink,
  );
  const children = jest.spyOn(root, 'child');

  /** A real request through a server whose handler does `use` with the request's logger. */
  async function serve(use: (log: pino.Logger) => void): Promise<void> {
    const server = createServer((req, res) => {
      Object.assign(req, { id: 'req-7' });
      use(requestLogger(root, req));
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page?x=1`)).text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  beforeEach(() => {
    lines.length = 0;
    children.mockClear();
  });

  it('makes no child logger for a request that logs nothing', async () => {
    await serve(() => undefined);
    expect(children).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it("writes what is logged with the request's bindings, through one child", async () => {
    await serve((log) => {
      log.warn({ detail: 1 }, 'first');
      log.error('second');
      expect(log.isLevelEnabled('info')).toBe(false);
    });
    expect(children).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'first', detail: 1, req: { id: 'req-7', url: '/page?x=1' } }),
      expect.objectContaining({ msg: 'second', req: { id: 'req-7', url: '/page?x=1' } }),
    ]);
  });
});
