import enAccounts from './locales/en/accounts.json';
import enAdmin from './locales/en/admin.json';
import enAdminLabels from './locales/en/admin-labels.json';
import enCore from './locales/en/core.json';
import enEmails from './locales/en/emails.json';
import enEvents from './locales/en/events.json';
import enOrganizer from './locales/en/organizer.json';
import enTwoFactor from './locales/en/two-factor.json';
import ruAccounts from './locales/ru/accounts.json';
import ruAdmin from './locales/ru/admin.json';
import ruAdminLabels from './locales/ru/admin-labels.json';
import ruCore from './locales/ru/core.json';
import ruEmails from './locales/ru/emails.json';
import ruEvents from './locales/ru/events.json';
import ruOrganizer from './locales/ru/organizer.json';
import ruTwoFactor from './locales/ru/two-factor.json';
import ukAccounts from './locales/uk/accounts.json';
import ukAdmin from './locales/uk/admin.json';
import ukAdminLabels from './locales/uk/admin-labels.json';
import ukCore from './locales/uk/core.json';
import ukEmails from './locales/uk/emails.json';
import ukEvents from './locales/uk/events.json';
import ukOrganizer from './locales/uk/organizer.json';
import ukTwoFactor from './locales/uk/two-factor.json';
import type { Language } from './languages';

export type Catalogue = { [name: string]: string | Catalogue };

/**
 * One catalogue per language, merged from one file per feature (src/i18n/locales/<language>/
 * <feature>.json), so features add their messages without touching each other's files. A file may
 * add to a namespace another file holds (`flash.events.*` beside `flash.*`); the same message
 * written twice is a mistake and stops the process at start-up.
 */
export function merged(language: Language, parts: Record<string, object>): Catalogue {
  const into: Catalogue = {};
  const add = (target: Catalogue, source: Catalogue, path: string, file: string): void => {
    for (const [name, value] of Object.entries(source)) {
      const key = path ? `${path}.${name}` : name;
      const existing = target[name];
      if (typeof value === 'string' || typeof existing === 'string') {
        if (existing !== undefined)
          throw new Error(`${language}: "${key}" is written twice (again in ${file})`);
        target[name] = value;
      } else {
        add((target[name] = existing ?? {}), value, key, file);
      }
    }
  };
  for (const [file, part] of Object.entries(parts)) add(into, part as Catalogue, '', file);
  return into;
}

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = {
  en: merged('en', {
    core: enCore,
    accounts: enAccounts,
    emails: enEmails,
    events: enEvents,
    organizer: enOrganizer,
    admin: enAdmin,
    'admin-labels': enAdminLabels,
    'two-factor': enTwoFactor,
  }),
  uk: merged('uk', {
    core: ukCore,
    accounts: ukAccounts,
    emails: ukEmails,
    events: ukEvents,
    organizer: ukOrganizer,
    admin: ukAdmin,
    'admin-labels': ukAdminLabels,
    'two-factor': ukTwoFactor,
  }),
  ru: merged('ru', {
    core: ruCore,
    accounts: ruAccounts,
    emails: ruEmails,
    events: ruEvents,
    organizer: ruOrganizer,
    admin: ruAdmin,
    'admin-labels': ruAdminLabels,
    'two-factor': ruTwoFactor,
  }),
};
