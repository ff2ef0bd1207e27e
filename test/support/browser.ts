import { existsSync } from 'node:fs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ParsedMail } from 'mailparser';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startProcess, type RunningProcess } from './processes';
import { SmtpSink } from './smtp-sink';
import { startWebApp } from './web-app';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * `describe` for suites that drive Chromium. Where it is not installed they are skipped, saying so
 * (CI installs it: .ci/run).
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM_PATH)) describe(name, suite);
  else {
    const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
    console.warn(`Skipping "${name}": ${reason}`);
    describe.skip(`${name} — skipped: ${reason}`, suite);
  }
}

/** Debian's Chromium with the flags this machine needs (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The first link in a received e-mail's text part that starts with `prefix`. */
export function linkIn(mail: ParsedMail, prefix: string): string {
  const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no ${prefix} link in:\n${mail.text}`);
  return link;
}

export interface LiveApp {
  /** The web app's origin; links in e-mails point here. */
  base: string;
  web: NestExpressApplication;
  worker: RunningProcess;
  sink: SmtpSink;
  /** The latest e-mail to `address` whose subject matches, waiting for it to arrive. */
  mailTo(address: string, subject: RegExp): Promise<ParsedMail>;
  close(): Promise<void>;
}

/**
 * The whole stack a person meets: the web app listening on a real port, a real worker process,
 * and an SMTP server that receives what the worker sends.
 */
export async function startLiveApp(options: { host?: string } = {}): Promise<LiveApp> {
  const sink = new SmtpSink();
  await sink.start(0);
  const port = await freePort();
  // The address people type; `localhost` where a host name is needed (WebAuthn: no IP as RP ID).
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const env = { APP_URL: base, SMTP_URL: sink.url };
  const worker = startProcess('src/worker.ts', [], env);
  const web = await startWebApp(env, { port });
  await worker.waitForLine(/Worker ready/, 90_000);
  return {
    base,
    web,
    worker,
    sink,
    async mailTo(address, subject) {
      const matches = (mail: ParsedMail) =>
        JSON.stringify(mail.to).includes(address) && subject.test(mail.subject ?? '');
      await sink.waitUntil((messages) => messages.some(matches), 60_000);
      return sink.messages.filter(matches).at(-1)!;
    },
    async close() {
      await web.close();
      await worker.stop();
      await sink.stop();
    },
  };
}
