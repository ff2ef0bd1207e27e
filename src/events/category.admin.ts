import { RegisterAdmin, type AdminRow, type ModelAdmin } from '../admin/model-admin';
import type { FieldErrors } from '../web/forms';
import { EventsCache } from './events.cache';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** "Live music & Jazz!" → "live-music-jazz" (accents dropped), as Django's slugify. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** Staff manage the categories organizers choose from and the public list filters by. */
@RegisterAdmin()
export class EventCategoryAdmin implements ModelAdmin {
  readonly model = 'EventCategory';
  readonly module = 'Events';
  readonly label = 'Category';
  readonly labelPlural = 'Categories';
  readonly reprField = 'name';
  readonly listDisplay = ['id', 'name', 'slug', 'createdAt'];
  readonly searchFields = ['name', 'slug'];
  readonly ordering = ['name'];
  readonly fields = ['name', 'slug'];
  readonly fieldOverrides = {
    slug: {
      help: 'The category in the list’s address (/events?category=…): lower-case letters, digits and hyphens. Left empty, it is made from the name.',
    },
  };

  constructor(private readonly cache: EventsCache) {}

  prepare(data: AdminRow): AdminRow {
    const name = typeof data.name === 'string' ? data.name.trim() : data.name;
    const slug = typeof data.slug === 'string' ? data.slug.trim() : '';
    return { ...data, name, ...(slug || typeof name !== 'string' ? { slug } : { slug: slugify(name) }) };
  }

  validate(data: AdminRow): FieldErrors {
    const errors: FieldErrors = {};
    if (typeof data.name !== 'string' || !data.name) errors.name = ['This field is required.'];
    if (typeof data.slug !== 'string' || !SLUG.test(data.slug)) {
      errors.slug = ['Use lower-case letters, digits and single hyphens (e.g. “live-music”).'];
    }
    return errors;
  }

  /** Names are on the list pages, the filter and event pages: the cached copies go. */
  async onChange(): Promise<void> {
    await this.cache.invalidateCategories();
  }
}
