import type { RunningProcess } from '../support/processes';
import { eventually } from '../support/eventually';
import { startMailSide, startWorker, type MailSide } from './mail-test-support';

const DAY = 86_400_000;

/**
 * Runs of one scheduled job in a worker's log, as the occurrence each ran for: the time at the end
 * of Bull's repeat job id (`repeat:<schedule key>:<ms>`), so a second schedule for the same job
 * shows up as the same occurrence run twice, not as another occurrence.
 */
function runsIn(lines: string[], jobName: string): string[] {
  const ids: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; jobId?: string; jobName?: string };
    if (entry.jobName === jobName && entry.msg?.startsWith(`Scheduled job ${jobName} done`))
      ids.push(entry.jobId!.split(':').at(-1)!);
  }
  return ids;
}

describe('scheduled jobs', () => {
  let side: MailSide;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    side = await startMailSide();
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await side?.close();
  });

  it('runs each occurrence once with two workers, and the mail purge removes old sent rows only', async () => {
    const now = Date.now();
    const row = (suffix: string, status: 'sent' | 'failed', age: number) => ({
      toAddress: `purge-${suffix}@example.com`,
      template: 'test',
      subject: 'Purge test',
      messageId: `<purge-${suffix}-${now}@localhost>`,
      status,
      sentAt: status === 'sent' ? new Date(now - age) : null,
      createdAt: new Date(now - age),
    });
    await side.prisma.outgoingEmail.createMany({
      data: [
        row('old-1', 'sent', 40 * DAY),
        row('old-2', 'sent', 31 * DAY),
        row('recent', 'sent', 2 * DAY),
        row('old-failed', 'failed', 40 * DAY),
      ],
    });

    const env = { MAIL_PURGE_CRON: '*/2 * * * * *', MAIL_PURGE_SENT_AFTER_DAYS: '30' };
    workers.push(...(await Promise.all([startWorker(env), startWorker(env)])));
    const all = () => workers.flatMap((worker) => runsIn(worker.lines, 'mail.purge-sent'));
    // Six distinct occurrences, both workers competing for each: a second run of any but the
    // latest would have happened by the time the next one has.
    await eventually(() => expect(new Set(all()).size).toBeGreaterThanOrEqual(6), 40_000, 250);

    const runs = all();
    const perWorker = workers.map((worker) => runsIn(worker.lines, 'mail.purge-sent').length);
    process.stdout.write(
      `scheduler: ${runs.length} runs, ${new Set(runs).size} distinct occurrences, per worker ${perWorker.join('/')}\n`,
    );
    expect(new Set(runs).size).toBe(runs.length);

    const left = await side.prisma.outgoingEmail.findMany({
      where: { toAddress: { startsWith: 'purge-' } },
      select: { toAddress: true },
      orderBy: { toAddress: 'asc' },
    });
    expect(left.map((entry) => entry.toAddress)).toEqual([
      'purge-old-failed@example.com',
      'purge-recent@example.com',
    ]);
  }, 120_000);
});
