import type { Language } from '../i18n/languages';
import { hasKey, translate } from '../i18n/translator';
import type { AdminModelInfo } from './admin-site';
import type { AdminAction } from './model-admin';

/**
 * What a ModelAdmin declares, in the reader's language, like Django's verbose_name through
 * gettext_lazy: each text is looked up in the catalogue (`adminLabels.*`, written in
 * locales/<language>/admin-labels.json) and falls back to what the registration declares, so a
 * new model works in English before anyone writes its catalogue entries.
 */
function lookup(language: Language, key: string, fallback: string): string {
  return hasKey(key) ? translate(language, key) : fallback;
}

/**
 * A model's name in the forms the admin's sentences need. Ukrainian and Russian decline nouns, so
 * "Add <model>" takes the accusative (`accusative`: "Додати подію"); the other sentences name the
 * model in a neutral construction ("«Концерт» (подія) успішно додано", "Події: 3 записи"), which
 * reads correctly with the nominative.
 */
export interface ModelNames {
  /** Nominative singular as a heading ("Event", "Подія"). */
  label: string;
  /** Nominative plural as a heading ("Events", "Події"). */
  labelPlural: string;
  /** Singular inside a sentence ("event", "подія"). */
  name: string;
  /** Plural inside a sentence ("events", "події"). */
  names: string;
  /** Singular as the object of a verb ("event", "подію", "пользователя"). */
  accusative: string;
}

export function modelNames(info: AdminModelInfo, language: Language): ModelNames {
  const key = (form: keyof ModelNames | 'singular' | 'plural') => `adminLabels.models.${info.name}.${form}`;
  const name = lookup(language, key('name'), info.label.toLowerCase());
  return {
    label: lookup(language, key('singular'), info.label),
    labelPlural: lookup(language, key('plural'), info.labelPlural),
    name,
    names: lookup(language, key('names'), info.labelPlural.toLowerCase()),
    accusative: lookup(language, key('accusative'), name),
  };
}

/** A module heading on the index (`Accounts`). */
export function moduleLabel(module: string, language: Language): string {
  return lookup(language, `adminLabels.modules.${module}`, module);
}

/**
 * A field's, column's or filter's label: `adminLabels.fields.<Model>.<name>`, where `name` is the
 * field (a relation by its relation name: `organizer`, not `organizerId`; a `relation.field`
 * column as `relation_field`), else the label resolved from the registration.
 */
export function fieldLabel(info: AdminModelInfo, name: string, fallback: string, language: Language): string {
  return lookup(language, `adminLabels.fields.${info.name}.${name.replace(/\./g, '_')}`, fallback);
}

/** A form field's help text: `adminLabels.help.<Model>.<field>` (the form field's own name). */
export function fieldHelp(
  info: AdminModelInfo,
  name: string,
  fallback: string | undefined,
  language: Language,
): string | undefined {
  return fallback === undefined
    ? undefined
    : lookup(language, `adminLabels.help.${info.name}.${name}`, fallback);
}

/** A ModelAdmin's own action's name and description (`adminLabels.actions.<Model>.<action>`). */
export function actionText(
  info: AdminModelInfo,
  action: AdminAction,
  language: Language,
): { label: string; description?: string } {
  const key = `adminLabels.actions.${info.name}.${action.name}`;
  return {
    label: lookup(language, `${key}.label`, action.label),
    description:
      action.description === undefined
        ? undefined
        : lookup(language, `${key}.description`, action.description),
  };
}

/**
 * A choice as people read it, like Django's get_FOO_display: an enum value (or a declared choice)
 * through `adminLabels.choices.<Model>.<field>.<value>`, else the value itself.
 */
export function choiceLabel(model: string, field: string, value: string, language: Language): string {
  return lookup(language, choiceKey(model, field, value), value);
}

/** The catalogue key of a choice where there is one, else the value (for `{{tm}}`). */
export function choiceKey(model: string, field: string, value: string): string {
  const key = `adminLabels.choices.${model}.${field}.${value}`;
  return hasKey(key) ? key : value;
}
