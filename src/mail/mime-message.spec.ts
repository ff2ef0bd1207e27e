import fc from 'fast-check';
import { simpleParser, type AddressObject } from 'mailparser';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import { buildAlternativeMessage, fromHeader, isPlainAddress, QuotedPrintableLines } from './mime-message';

const MESSAGE = {
  fromHeader: fromHeader('Event Planner <no-reply@example.com>'),
  to: 'ann@example.com',
  subject: 'Welcome to Event Planner, Ann',
  messageId: '<6f1c0b1e-8d1b-4c1e-9a51-0d6c1f2b3a4d@example.com>',
  text: 'Hello Ann,\n\nSee https://events.example.com/events\n',
  html: '<p>Hello Ann,</p>\n<p><a href="https://events.example.com/events">events</a></p>\n',
  date: new Date('2026-11-26T10:00:00Z'),
};

function addresses(value: AddressObject | AddressObject[] | undefined) {
  return ([] as AddressObject[]).concat(value ?? []).flatMap((entry) => entry.value);
}

describe('buildAlternativeMessage', () => {
  it('is a multipart/alternative message a mail client reads back field for field', async () => {
    const raw = buildAlternativeMessage(MESSAGE);
    const parsed = await simpleParser(raw);
    expect(addresses(parsed.from)).toEqual([{ address: 'no-reply@example.com', name: 'Event Planner' }]);
    expect(addresses(parsed.to)).toEqual([{ address: 'ann@example.com', name: '' }]);
    expect(parsed.subject).toBe(MESSAGE.subject);
    expect(parsed.messageId).toBe(MESSAGE.messageId);
    expect(parsed.date?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text).toBe(MESSAGE.text);
    expect(parsed.html).toBe(MESSAGE.html);
    // CRLF throughout, and no line longer than RFC 5322 suggests.
    const lines = raw.toString('ascii').split('\r\n');
    expect(lines.every((line) => !line.includes('\n') && line.length <= 78)).toBe(true);
  });

  it('encodes non-ASCII text, names and subjects, long lines, and text that looks like MIME', async () => {
    const tricky = {
      ...MESSAGE,
      fromHeader: fromHeader('Événements « Planner » <no-reply@example.com>'),
      subject: `Réservation confirmée — ${'très '.repeat(30)}bien 🎉\r\nBcc: injected@example.com`,
      text: `Crème brûlée = dessert\n.\n.leading dot\nFrom the start\n--=_ep_x\n${'long '.repeat(60)}\n`,
      html: `<p>Привет, 世界 ${'<b>wide</b> '.repeat(40)}</p>\n`,
    };
    const parsed = await simpleParser(buildAlternativeMessage(tricky));
    expect(addresses(parsed.from)).toEqual([
      { address: 'no-reply@example.com', name: 'Événements « Planner »' },
    ]);
    // A newline in a subject cannot start a new header.
    expect(parsed.subject).toBe(tricky.subject.replace('\r\n', ' '));
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.text).toBe(tricky.text);
    expect(parsed.html).toBe(tricky.html);
  });

  it('takes only plain ASCII addresses (anything else goes through nodemailer)', () => {
    expect(isPlainAddress('ann.o+events@example.co.uk')).toBe(true);
    expect(isPlainAddress('anné@example.com')).toBe(false);
    expect(isPlainAddress('ann@exämple.com')).toBe(false);
    expect(isPlainAddress('Ann <ann@example.com>')).toBe(false);
    expect(isPlainAddress('ann@example.com\r\nBcc: x@example.com')).toBe(false);
  });
});

describe('QuotedPrintableLines', () => {
  // What wraps and escapes: spaces and tabs (escaped before a line break), "=" and the wrap's
  // break characters, multi-byte characters (never split), and lines around the 76-character limit.
  const piece = fc.oneof(
    fc.constantFrom(' ', '\t', '=', '.', ',', '!', '?', 'é', '世', '🎉', '=3D', '  '),
    fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '-', '<', '>', '/'), maxLength: 90 }),
  );
  const line = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
  const text = fc.array(line, { maxLength: 8 }).map((lines) => lines.join('\r\n'));
  const nodemailer = (value: string) => wrapQuotedPrintable(encodeQuotedPrintable(value), 76);

  it("is exactly nodemailer's wrap(encode(text), 76), the first time and from memory", () => {
    const encoder = new QuotedPrintableLines();
    fc.assert(
      fc.property(text, (value) => {
        expect(encoder.encode(value)).toBe(nodemailer(value));
        expect(encoder.encode(value)).toBe(nodemailer(value));
        expect(encoder.encode(value, false)).toBe(nodemailer(value));
      }),
      { seed: 14, numRuns: 2_000 },
    );
  });

  it('stays exact when its memory fills up and starts again', () => {
    const encoder = new QuotedPrintableLines(200);
    fc.assert(
      fc.property(fc.array(text, { minLength: 2, maxLength: 5 }), (values) => {
        for (const value of [...values, ...values]) expect(encoder.encode(value)).toBe(nodemailer(value));
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('remembers nothing of text that must not be kept', () => {
    const encoder = new QuotedPrintableLines();
    const secret = 'Choose a new password:\r\nhttps://events.example.com/accounts/reset/secret-token\r\n';
    encoder.encode(secret, false);
    expect(encoder.remembered).toBe(0);
    encoder.encode(secret);
    expect(encoder.remembered).toBe(2);
  });
});
