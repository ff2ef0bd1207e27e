import { loadConfig } from '../config/app-config';
import { TicketSigner } from './tickets';

const signer = (SESSION_SECRET: string) =>
  new TicketSigner(loadConfig({ ...process.env, SESSION_SECRET, NODE_ENV: 'test' }));

describe('TicketSigner', () => {
  const tickets = signer('a test secret that is long enough for the schema 1234567890');

  it('signs per event and RSVP: another RSVP, event or secret gives another signature', () => {
    const signature = tickets.sign(7, 42);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tickets.verify(7, 42, signature)).toBe(true);
    expect(tickets.verify(7, 43, signature)).toBe(false);
    expect(tickets.verify(8, 42, signature)).toBe(false);
    expect(tickets.verify(7, 42, signature.slice(0, 21))).toBe(false);
    expect(tickets.verify(7, 42, `${signature}x`)).toBe(false);
    expect(signer('another secret that is also long enough 0987654321').verify(7, 42, signature)).toBe(false);
    expect(tickets.path(7, 42)).toBe(`/tickets/42/${signature}`);
  });

  it('reads a ticket from what a scanner types: the URL, the path, or id/signature', () => {
    const signature = tickets.sign(7, 42);
    const expected = { rsvpId: 42, signature };
    expect(tickets.parse(`https://events.example.com/tickets/42/${signature}`)).toEqual(expected);
    expect(tickets.parse(`  https://events.example.com/planner/tickets/42/${signature}?utm=x \n`)).toEqual(
      expected,
    );
    expect(tickets.parse(`/tickets/42/${signature}`)).toEqual(expected);
    expect(tickets.parse(`42/${signature}`)).toEqual(expected);
    for (const text of [
      '',
      'hello',
      `/tickets/0/${signature}`,
      `/tickets/42/${signature}extra`,
      `/tickets/99999999999/${signature}`,
    ]) {
      expect(tickets.parse(text)).toBeUndefined();
    }
  });
});
