import { loadConfig } from '../config/app-config';
import { MailTemplates } from './mail-templates';

function templates(APP_URL: string): MailTemplates {
  return new MailTemplates(loadConfig({ ...process.env, APP_URL, NODE_ENV: 'test' }));
}

describe('MailTemplates', () => {
  it('joins APP_URL (with or without a path prefix) and a path into an absolute link', () => {
    expect(templates('https://events.example.com').absoluteUrl('/events')).toBe(
      'https://events.example.com/events',
    );
    expect(templates('https://example.com/planner/').absoluteUrl('/events/1')).toBe(
      'https://example.com/planner/events/1',
    );
    expect(templates('https://example.com').absoluteUrl('https://elsewhere.example/x')).toBe(
      'https://elsewhere.example/x',
    );
  });

  it('renders subject, HTML and text in the shared layout, escaping only the HTML part', () => {
    const rendered = templates('https://events.example.com').render('welcome', {
      displayName: 'Ann & <Bob>',
    });
    expect(rendered.subject).toBe('Welcome to Event Planner, Ann & <Bob>');
    expect(rendered.html).toContain('Welcome, Ann &amp; &lt;Bob&gt;!');
    expect(rendered.html).toContain('<title>Welcome to Event Planner, Ann &amp; &lt;Bob&gt;</title>');
    expect(rendered.html).toContain('href="https://events.example.com/events"');
    expect(rendered.text).toContain('Welcome, Ann & <Bob>!');
    expect(rendered.text).toContain('https://events.example.com/events');
    // The layout's footer link, in both parts.
    expect(rendered.html).toContain('href="https://events.example.com/"');
    expect(rendered.text.trimEnd().endsWith('https://events.example.com/')).toBe(true);
  });

  it('knows which templates exist and refuses names that would leave views/emails', () => {
    const mail = templates('http://localhost:3000');
    expect(mail.exists('welcome')).toBe(true);
    expect(mail.exists('test')).toBe(true);
    expect(mail.exists('nope')).toBe(false);
    expect(mail.exists('layout')).toBe(false);
    expect(mail.exists('../errors/404')).toBe(false);
    expect(() => mail.render('nope', {})).toThrow('Unknown e-mail template "nope"');
  });

  it('turns {{qrCode value}} into a Content-ID and lists what to attach under it', () => {
    const mail = templates('https://events.example.com');
    const going = mail.render('rsvp_confirmation', {
      name: 'Ann',
      waitlisted: false,
      event: { title: 'Party', startsAt: 'today', endsAt: 'tonight', path: '/events/1' },
      ticketPath: '/tickets/5/abc',
    });
    expect(going.qrCodes).toEqual([
      { cid: 'qr-1@events.example.com', value: 'https://events.example.com/tickets/5/abc' },
    ]);
    expect(going.html).toContain('src="cid:qr-1@events.example.com"');
    expect(going.text).toContain('https://events.example.com/tickets/5/abc');
    const waitlisted = mail.render('rsvp_confirmation', {
      name: 'Ann',
      waitlisted: true,
      event: { title: 'Party', startsAt: 'today', endsAt: 'tonight', path: '/events/1' },
    });
    expect(waitlisted.qrCodes).toEqual([]);
    expect(waitlisted.html).not.toContain('cid:');
  });
});
