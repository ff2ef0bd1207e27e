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
  /**
   * The bodies carry secrets (one-time links): none of their lines is remembered (see
   * QuotedPrintableLines), so a secret lives no longer than the message being sent.
   */
  confidential?: boolean;
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
    `${quotedPrintable.encode(body.replace(/\r?\n|\r/g, '\r\n'), !message.confidential)}\r\n`;
  return Buffer.from(
    `${head.join('\r\n')}\r\n\r\n${part('text/plain', message.text)}${part('text/html', message.html)}--${boundary}--\r\n`,
    'ascii',
  );
}

/**
 * nodemailer's quoted-printable, `wrap(encode(text), 76)`, line by line with the lines it encoded
 * before remembered. Most lines of an e-mail are its template's and its layout's, the same in every
 * message, and encoding them (a Buffer, a loop over every byte, then regular expressions to wrap)
 * was the largest part of building one: about 7 % of the worker's busy time in the bench's profile.
 *
 * Exact, not an approximation (mime-message.spec.ts checks it against nodemailer on generated
 * text). On text whose line breaks are all CRLF both of nodemailer's functions work within a line:
 * `encode` looks one byte ahead (whitespace before a line break or at the end is escaped), and
 * `wrap` consumes each line up to and including its CRLF before it starts the next, so the text's
 * encoding is its lines' encodings joined. One exception, the last line (the one without a CRLF):
 * `wrap` returns text of up to 76 characters as it is, but within longer text it may break a last
 * line that would fit (at a space in its last 25 characters) — so a last line is encoded as
 * nodemailer encodes it after other lines (LAST_LINE_LEAD), and short text as a whole.
 * Bounded by the characters it holds: when full (lines with names, links) it starts again empty.
 */
export class QuotedPrintableLines {
  private lines = new Map<string, string>();
  private size = 0;

  constructor(private readonly limit = 4_000_000) {}

  /** How many lines it holds. */
  get remembered(): number {
    return this.lines.size;
  }

  /** `text` must have CRLF line breaks only; `remember: false` for text that must not be kept. */
  encode(text: string, remember = true): string {
    // Encoded text is at least as long as the text: this may be text wrap leaves as it is.
    if (text.length <= QP_LINE_LENGTH) return nodemailerQuotedPrintable(text);
    let result = '';
    for (let start = 0; start < text.length;) {
      const end = text.indexOf('\r\n', start);
      const next = end === -1 ? text.length : end + 2;
      // A line keeps its CRLF; the last line has none, so the two kinds never share a key.
      const line = text.slice(start, next);
      let encoded = remember ? this.lines.get(line) : undefined;
      if (encoded === undefined) {
        encoded =
          end === -1
            ? wrapQuotedPrintable(LAST_LINE_LEAD + encodeQuotedPrintable(line), QP_LINE_LENGTH).slice(
                LAST_LINE_LEAD.length,
              )
            : nodemailerQuotedPrintable(line);
        if (remember) this.remember(line, encoded);
      }
      result += encoded;
      start = next;
    }
    return result;
  }

  private remember(line: string, encoded: string): void {
    if (this.size >= this.limit) {
      this.lines = new Map();
      this.size = 0;
    }
    this.lines.set(line, encoded);
    this.size += line.length + encoded.length;
  }
}

const QP_LINE_LENGTH = 76;

function nodemailerQuotedPrintable(text: string): string {
  return wrapQuotedPrintable(encodeQuotedPrintable(text), QP_LINE_LENGTH);
}

/**
 * Empty lines, more than a line's length of them: `wrap` passes each through as it is, and then
 * treats what follows as the last line of longer text.
 */
const LAST_LINE_LEAD = '\r\n'.repeat(QP_LINE_LENGTH / 2 + 1);

const quotedPrintable = new QuotedPrintableLines();
