import { stringify } from 'csv-stringify/sync';

export interface AttendeeRow {
  name: string;
  email: string;
  status: string;
  respondedAt: Date;
  checkedInAt: Date | null;
}

export const ATTENDEE_CSV_HEADER = ['Name', 'E-mail', 'Status', 'RSVP time (UTC)', 'Checked in (UTC)'];

/**
 * Attendee rows as CSV. `escape_formulas` prefixes a quote to cells starting with = + - @ (and tab
 * or carriage return), so a name like `=HYPERLINK(...)` is text, not a formula, in a spreadsheet.
 */
export function attendeesCsv(rows: AttendeeRow[], withHeader = true): string {
  return stringify(
    rows.map((row) => [
      row.name,
      row.email,
      row.status,
      row.respondedAt.toISOString(),
      row.checkedInAt?.toISOString() ?? '',
    ]),
    { header: withHeader, columns: withHeader ? ATTENDEE_CSV_HEADER : undefined, escape_formulas: true },
  );
}
