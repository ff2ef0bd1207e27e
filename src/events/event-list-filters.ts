import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DateTime } from 'luxon';
import { validateForm, type FieldErrors } from '../web/forms';

// Messages are catalogue keys (src/i18n/locales/*/events.json), shown in the reader's language.
const DAY_MESSAGE = 'events.filters.enterDay';
const CATEGORY_MESSAGE = 'events.filters.chooseCategory';
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** The public list's filters, from its query string (each optional; they combine). */
export class EventListFilterInput {
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString({ message: CATEGORY_MESSAGE })
  @MaxLength(80, { message: CATEGORY_MESSAGE })
  category?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['upcoming', 'weekend', 'past'], { message: 'events.filters.chooseWhen' })
  when?: 'upcoming' | 'weekend' | 'past';

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString({ message: DAY_MESSAGE })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DAY_MESSAGE })
  from?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString({ message: DAY_MESSAGE })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DAY_MESSAGE })
  to?: string;
}

export type EventListFilters = {
  category?: string;
  when: 'upcoming' | 'weekend' | 'past';
  from?: string;
  to?: string;
};

/** The Saturday and Sunday of this weekend (today's if it is one), as UTC calendar days. */
export function thisWeekend(now: Date): { saturday: string; sunday: string } {
  const today = DateTime.fromJSDate(now, { zone: 'UTC' }).startOf('day');
  // Luxon: Monday 1 … Sunday 7. Saturday and Sunday belong to the weekend they are in.
  const saturday = today.plus({ days: today.weekday === 7 ? -1 : 6 - today.weekday });
  return { saturday: saturday.toISODate()!, sunday: saturday.plus({ days: 1 }).toISODate()! };
}

/**
 * The filters as the list query takes them: `fromDay`/`toDay` combine the date range with "this
 * weekend" (both apply). Errors are per field, as the filter form shows them.
 */
export async function parseListFilters(
  query: Record<string, unknown>,
  now = new Date(),
): Promise<
  | { ok: true; filters: EventListFilters; fromDay?: string; toDay?: string }
  | { ok: false; errors: FieldErrors; values: Record<string, unknown> }
> {
  const picked = Object.fromEntries(
    ['category', 'when', 'from', 'to'].filter((key) => key in query).map((key) => [key, query[key]]),
  );
  // No filter at all (the home page, its pages, a search): every field is optional, so there is
  // nothing to validate, and class-validator cost the home page ~3 % of its CPU.
  if (!Object.keys(picked).length) return { ok: true, filters: { when: 'upcoming' } };
  const form = await validateForm(EventListFilterInput, picked);
  if (!form.ok) return { ok: false, errors: form.errors, values: form.values };
  const { category, from, to } = form.value;
  const errors: FieldErrors = {};
  for (const [field, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (day && !DateTime.fromISO(day, { zone: 'UTC' }).isValid) errors[field] = ['events.filters.noSuchDay'];
  }
  if (!errors.from && !errors.to && from && to && to < from) {
    errors.to = ['events.filters.endBeforeStart'];
  }
  if (Object.keys(errors).length) return { ok: false, errors, values: picked };
  const when = form.value.when ?? 'upcoming';
  let fromDay = from;
  let toDay = to;
  if (when === 'weekend') {
    const { saturday, sunday } = thisWeekend(now);
    fromDay = fromDay && fromDay > saturday ? fromDay : saturday;
    toDay = toDay && toDay < sunday ? toDay : sunday;
  }
  return { ok: true, filters: { category, when, from, to }, fromDay, toDay };
}
