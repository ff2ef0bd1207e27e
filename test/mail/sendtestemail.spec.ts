import { startProcess, type RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_ENV } from '../support/test-env';
import { startWorker } from './mail-test-support';

describe('npm run cli -- sendtestemail', () => {
  const sink = new SmtpSink();
  let worker: RunningProcess;

  beforeAll(async () => {
    await sink.start();
    worker = await startWorker({ SMTP_URL: sink.url });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await sink.stop();
  });

  it('sends a test e-mail through the queue and the worker, and follows it with --wait', async () => {
    const cli = startProcess('src/cli.ts', ['sendtestemail', 'ops@example.com', '--wait', '30']);
    expect(await cli.exited).toBe(0);
    expect(cli.lines.join('\n')).toMatch(/Queued a test e-mail to ops@example.com/);
    expect(cli.lines.join('\n')).toMatch(/Delivered to ops@example.com \(Message-ID <[^>]+>\)/);
    const mail = sink.messages.find((message) => JSON.stringify(message.to).includes('ops@example.com'));
    expect(mail?.subject).toBe('Test e-mail from Event Planner');
    expect(mail?.text).toContain('sent by the sendtestemail command');
  }, 60_000);

  it('waits for a database that is not reachable yet, then sends (a container restarting)', async () => {
    const database = new URL(TEST_ENV.DATABASE_URL);
    const proxy = new TcpProxy(database.hostname, Number(database.port || 5432));
    await proxy.start();
    const url = proxy.urlFor(TEST_ENV.DATABASE_URL);
    await proxy.stop(); // its port now refuses connections, as a database that is not up yet
    try {
      const cli = startProcess('src/cli.ts', ['sendtestemail', 'late@example.com', '--wait', '30'], {
        DATABASE_URL: url,
      });
      await cli.waitForLine(/Database unavailable: .*; retrying for up to 60 s/, 45_000);
      await proxy.start();
      expect(await cli.exited).toBe(0);
      expect(cli.lines.join('\n')).toMatch(/Delivered to late@example.com/);
    } finally {
      await proxy.stop();
    }
  }, 90_000);

  it('refuses an invalid address with a clear message and exit code 1', async () => {
    const cli = startProcess('src/cli.ts', ['sendtestemail', 'not-an-address']);
    expect(await cli.exited).toBe(1);
    expect(cli.lines.join('\n')).toContain(
      'Cannot send e-mail: to "not-an-address" is not a valid e-mail address',
    );
  }, 60_000);
});
