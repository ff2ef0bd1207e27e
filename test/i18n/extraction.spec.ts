import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LANGUAGES, type Language } from '../../src/i18n/languages';
import { CATALOGUES } from '../../src/i18n/translator';
import { PROJECT_ROOT, VIEWS_DIR } from '../../src/paths';

/**
 * The extraction check: every message a template or the source uses is in every catalogue, and
 * no template or source file says anything to people except through the translator. The only
 * exceptions are listed here, with the reason.
 */

/** Developer tools, English on purpose (never shown to members): not part of the count. */
const DEVELOPER_TEMPLATES = ['debug-toolbar/toolbar.hbs', 'mail/preview.hbs', 'mail/previews.hbs'];

const DEVELOPER_SOURCES = ['src/mail/mail-previews.controller.ts'];
/** problem+json `title`s are HTTP reason phrases (RFC 9457: "Service Unavailable"), English by design. */
const PROTOCOL_SOURCES = ['src/web/problem.ts'];

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : filesUnder(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

/** Every key of a catalogue, dotted, with plural suffixes as written (`sent_one`). */
function keysOf(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, value]) =>
    typeof value === 'string'
      ? [`${prefix}${name}`]
      : keysOf(value as Record<string, unknown>, `${prefix}${name}.`),
  );
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const keySets = Object.fromEntries(
  LANGUAGES.map((language) => [language, new Set(keysOf(CATALOGUES[language]))]),
) as Record<Language, Set<string>>;

/** Whether `key` is a message in `language`: itself, or all the plural forms the language has. */
function hasMessage(language: Language, key: string): boolean {
  if (keySets[language].has(key)) return true;
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  return categories.every((category) => keySets[language].has(`${key}_${category}`));
}

const NAMESPACES = Object.keys(CATALOGUES.en);
const KEY_SHAPE = new RegExp(`^(?:${NAMESPACES.join('|')})(?:\\.[A-Za-z0-9_]+)+$`);

/** The keys a template names: `{{t "key" …}}`, `(t "key")`, and `tm "key"` with a literal. */
function keysInTemplate(source: string): string[] {
  return [...source.matchAll(/[{(]\s*tm?\s+"([^"]+)"/g)].map((match) => match[1]);
}

/** Literals in the source that look like catalogue keys (possibly a descriptor: `key|name=…`). */
function keysInSource(source: string): string[] {
  return [...source.matchAll(/['`]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)(?:\|[^'`]*)?['`]/g)]
    .map((match) => match[1])
    .filter((key) => KEY_SHAPE.test(key));
}

/** Text a person would read that is not inside a Handlebars expression. */
function untranslatedText(source: string): string[] {
  const withoutCode = source
    .replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}/g, ' ')
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/\{\{\{?[\s\S]*?\}?\}\}/g, ' ');
  const found: string[] = [];
  // Attributes people read (or hear).
  for (const match of withoutCode.matchAll(/\b(?:aria-label|title|placeholder|alt)="([^"]*)"/g)) {
    if (/\p{L}/u.test(match[1])) found.push(match[1].trim());
  }
  const text = withoutCode.replace(/<[^>]*>/g, ' ');
  for (const chunk of text.split(/\s{2,}|\n/)) {
    // A path shown as part of a link (`{{absoluteUrl event.path}}/calendar.ics`) is no language.
    if (/\p{L}/u.test(chunk) && !/^\/[\w./-]*$/.test(chunk.trim())) found.push(chunk.trim());
  }
  return found;
}

const templates = filesUnder(VIEWS_DIR, '.hbs').map((path) => relative(VIEWS_DIR, path).replace(/\\/g, '/'));
const sources = filesUnder(join(PROJECT_ROOT, 'src'), '.ts')
  .filter((path) => !path.endsWith('.spec.ts'))
  .map((path) => relative(PROJECT_ROOT, path).replace(/\\/g, '/'));

describe('translations: the extraction check', () => {
  it('every catalogue has every message of every other (plural forms per language)', () => {
    const missing: string[] = [];
    const bases = new Set(
      LANGUAGES.flatMap((language) => [...keySets[language]].map((key) => key.replace(PLURAL, ''))),
    );
    for (const key of bases) {
      for (const language of LANGUAGES) if (!hasMessage(language, key)) missing.push(`${language}: ${key}`);
    }
    expect(missing).toEqual([]);
  });

  it('English messages write an apostrophe as ’ (a straight one reaches pages as &#x27;)', () => {
    const straight = (tree: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(tree).flatMap(([name, value]) =>
        typeof value === 'string'
          ? /\p{L}'\p{L}/u.test(value)
            ? [`${prefix}${name}: ${value}`]
            : []
          : straight(value as Record<string, unknown>, `${prefix}${name}.`),
      );
    expect(straight(CATALOGUES.en)).toEqual([]);
  });

  it('every key a template or the source uses is in the English, Ukrainian and Russian catalogues', () => {
    const used = new Map<string, string>();
    for (const file of templates) {
      for (const key of keysInTemplate(readFileSync(join(VIEWS_DIR, file), 'utf8')))
        used.set(key, `views/${file}`);
    }
    for (const file of sources) {
      for (const key of keysInSource(readFileSync(join(PROJECT_ROOT, file), 'utf8'))) used.set(key, file);
    }
    expect(used.size).toBeGreaterThan(150);
    const missing = [...used].flatMap(([key, file]) =>
      LANGUAGES.filter((language) => !hasMessage(language, key)).map(
        (language) => `${language}: ${key} (${file})`,
      ),
    );
    expect(missing).toEqual([]);
  });

  it('templates say nothing outside {{t}} (but the developer tools)', () => {
    const offenders = templates
      .filter((file) => !DEVELOPER_TEMPLATES.includes(file))
      .flatMap((file) =>
        untranslatedText(readFileSync(join(VIEWS_DIR, file), 'utf8')).map((text) => `${file}: ${text}`),
      );
    expect(offenders).toEqual([]);
    // The check reads every template: e-mails, pages, the admin.
    expect(templates.filter((file) => file.startsWith('emails/')).length).toBeGreaterThan(35);
    expect(templates.filter((file) => file.startsWith('admin/')).length).toBeGreaterThan(8);
    // Each exception is a real file.
    expect(DEVELOPER_TEMPLATES.filter((file) => !templates.includes(file))).toEqual([]);
  });

  it('flash messages, page titles and validation messages in the source are catalogue keys', () => {
    const patterns = [
      /addFlash\([^,]+,\s*[^,]+,\s*(['`])(.*?)\1/g,
      /\btitle:\s*(['`])(.*?)\1/g,
      /\{\s*message:\s*(['`])(.*?)\1/g,
    ];
    const literalsOf = (file: string) => {
      const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      if (!/addFlash\(|renderPage\(|\.render\(|class-validator/.test(source)) return [];
      return patterns
        .flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[2]))
        .filter((text) => /\p{L}/u.test(text) && !KEY_SHAPE.test(text.split('|')[0]));
    };
    const offenders = sources
      .filter((file) => !DEVELOPER_SOURCES.includes(file) && !PROTOCOL_SOURCES.includes(file))
      .flatMap((file) => literalsOf(file).map((text) => `${file}: ${text}`));
    expect(offenders).toEqual([]);
    // Each exception is a real file that would otherwise fail the check.
    expect(
      [...DEVELOPER_SOURCES, ...PROTOCOL_SOURCES].filter(
        (file) => !sources.includes(file) || literalsOf(file).length === 0,
      ),
    ).toEqual([]);
  });
});
