import { hasOffset, parseInstant } from './event.dto';
import { formatDate, formatRange, isTimeZone, toInputDate, zoneLabel } from './event-view';

describe('event times in the event’s time zone', () => {
  it('reads a wall-clock time in the zone, and an instant with an offset as it is', () => {
    expect(parseInstant('2027-01-15T19:00', 'America/New_York').toISOString()).toBe(
      '2027-01-16T00:00:00.000Z',
    );
    expect(parseInstant('2027-07-15T19:00', 'America/New_York').toISOString()).toBe(
      '2027-07-15T23:00:00.000Z',
    );
    expect(parseInstant('2027-01-15T19:00', 'UTC').toISOString()).toBe('2027-01-15T19:00:00.000Z');
    expect(parseInstant('2027-01-15T19:00+01:00', 'America/New_York').toISOString()).toBe(
      '2027-01-15T18:00:00.000Z',
    );
    expect(parseInstant('2027-01-15T19:00:00Z', 'Asia/Tokyo').toISOString()).toBe('2027-01-15T19:00:00.000Z');
    expect(hasOffset('2027-01-15T19:00')).toBe(false);
    expect(hasOffset('2027-01-15T19:00-05:00')).toBe(true);
  });

  it('moves a time skipped by a DST change forward by the gap; nonsense is an invalid date', () => {
    // 02:30 does not exist in Paris on 28 March 2027 (clocks go from 02:00 to 03:00).
    expect(parseInstant('2027-03-28T02:30', 'Europe/Paris').toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(Number.isNaN(parseInstant('not a date', 'Europe/Paris').getTime())).toBe(true);
  });

  it('shows and pre-fills times in the zone, falling back to UTC for an unknown zone', () => {
    const instant = new Date('2027-01-16T00:00:00Z');
    // The zone's short name comes from the ICU data of the Node version (en-GB: "EST" or "GMT-5").
    expect(formatDate(instant, 'America/New_York')).toMatch(/^Fri, 15 Jan 2027, 19:00 (EST|GMT-5)$/);
    expect(formatDate(instant, 'Europe/Paris')).toMatch(/^Sat, 16 Jan 2027, 01:00 (CET|GMT\+1)$/);
    expect(formatDate(instant)).toBe('Sat, 16 Jan 2027, 00:00 UTC');
    expect(formatDate(instant, 'Mars/Olympus_Mons')).toBe('Sat, 16 Jan 2027, 00:00 UTC');
    expect(toInputDate(instant, 'America/New_York')).toBe('2027-01-15T19:00');
    expect(toInputDate(instant, 'Asia/Kolkata')).toBe('2027-01-16T05:30');
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('shows a range with the zone named once, the date twice only when the end is on another day', () => {
    const start = new Date('2027-01-16T00:00:00Z');
    expect(formatRange(start, new Date('2027-01-16T03:30:00Z'), 'America/New_York')).toMatch(
      /^Fri, 15 Jan 2027, 19:00–22:30 (EST|GMT-5)$/,
    );
    expect(formatRange(start, new Date('2027-01-16T03:30:00Z'))).toBe('Sat, 16 Jan 2027, 00:00–03:30 UTC');
    expect(formatRange(start, new Date('2027-01-17T01:00:00Z'))).toBe(
      'Sat, 16 Jan 2027, 00:00 UTC\u2009–\u2009Sun, 17 Jan 2027, 01:00 UTC',
    );
    expect(zoneLabel('UTC')).toBeNull();
    expect(zoneLabel('Etc/UTC')).toBeNull();
    expect(zoneLabel('Europe/Paris')).toBe('Europe/Paris');
  });

  it('formats in the reader’s language (Intl locale of INTL_LOCALES), English by default', () => {
    const start = new Date('2027-01-16T00:00:00Z');
    const end = new Date('2027-01-16T03:30:00Z');
    expect(formatDate(start, 'UTC', 'uk')).toBe('сб, 16 січ. 2027 р., 00:00 UTC');
    expect(formatDate(start, 'UTC', 'ru')).toBe('сб, 16 янв. 2027 г., 00:00 UTC');
    expect(formatDate(start, 'UTC', 'en')).toBe(formatDate(start));
    // ICU puts a narrow no-break space before "р." / "г." in ranges.
    expect(formatRange(start, end, 'UTC', 'uk')).toMatch(/^сб, 16 січ\. 2027\sр\., 00:00–03:30 UTC$/);
    expect(formatRange(start, end, 'Mars/Olympus_Mons', 'ru')).toMatch(
      /^сб, 16 янв\. 2027\sг\., 00:00–03:30 UTC$/,
    );
    // An end not after the start: the start alone.
    expect(formatRange(start, start, 'UTC', 'uk')).toBe('сб, 16 січ. 2027 р., 00:00 UTC');
  });
});
