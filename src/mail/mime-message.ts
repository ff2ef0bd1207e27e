import MimeNode from 'nodemailer/lib/mime-node';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';

export interface AlternativeMessage {
  /** The whole `From:` header (see fromHeader). */
  fromHeader: string;
  /** One plain ASCII address (see isPlainAddress). */
  to: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
  date?: Date;
  /** More header lines, ASCII (List-Unsubscribe and List-Unsubscribe-Post). */
  headers?: ReadonlyArray<readonly [string, string]>;
}

const PLAIN_ADDRESS = /^[\x21-\x7e]+@[\x21-\x7e]+$/;

/** Addresses buildAlternativeMessage takes as they are: ASCII, no spaces, no display name. */
export function isPlainAddress(address: string): boolean {
  return PLAIN_ADDRESS.test(address) && !/[<>(),;:"\\[\]]/.test(address);
}

/**
 * The `From:` header for `from` ("Name <address>", any language) exactly as nodemailer writes it
 * (RFC 2047 words, folded). Computed once per sender, so it is nodemailer that encodes names.
 */
export function fromHeader(from: string): string {
  const node = new MimeNode('text/plain');
  node.setHeader('From', from);
  const lines = node.buildHeaders().split('\r\n');
  const start = lines.findIndex((line) => line.startsWith('From:'));
  let end = start + 1;
  while (end < lines.length && /^[ \t]/.test(lines[end])) end += 1;
  return lines.slice(start, end).join('\r\n');
}

/**
 * The app's one message shape: multipart/alternative with a text and an HTML part, UTF-8,
 * quoted-printable, CRLF line ends, as one buffer. Assembled here rather than by nodemailer's
 * MailComposer because its MIME tree streams every node through transform pipelines, which cost
 * a quarter of the worker's CPU per e-mail (about 270 µs; this takes a tenth of that). The
 * encodings are nodemailer's own (mime-funcs, qp). Callers use it for plain addresses only
 * (isPlainAddress) and MailComposer for anything else.
 */
export function buildAlternativeMessage(message: AlternativeMessage): Buffer {
  // No randomness needed: "=_" cannot occur in quoted-printable text, so it never collides (RFC 2045).
  const boundary = `=_ep_${message.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
  const subject = message.subject.replace(/\r?\n|\r/g, ' ');
  const head = [
    message.fromHeader,
    `To: ${message.to}`,
    foldLines(`Subject: ${encodeWords(subject, 'Q', 52)}`, 76),
    `Message-ID: ${message.messageId}`,
    ...(message.headers ?? []).map(([name, value]) => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`),
    `Date: ${(message.date ?? new Date()).toUTCString().replace(/GMT/, '+0000')}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n` +
    `${wrapQuotedPrintable(encodeQuotedPrintable(body.replace(/\r?\n|\r/g, '\r\n')), 76)}\r\n`;
  return Buffer.from(
    `${head.join('\r\n')}\r\n\r\n${part('text/plain', message.text)}${part('text/html', message.html)}--${boundary}--\r\n`,
    'ascii',
  );
}
