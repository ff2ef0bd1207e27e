import type { RuntimeOptions } from 'handlebars';

type HandlebarsEnvironment = typeof import('handlebars');

/** A template as Handlebars' runtime builds it: `_setup` prepares its container for one call. */
interface RuntimeTemplate extends HandlebarsTemplateDelegate {
  _setup(options: RuntimeOptions & { partial?: boolean }): void;
}

const REGISTRATIONS = [
  'registerHelper',
  'unregisterHelper',
  'registerPartial',
  'unregisterPartial',
  'registerDecorator',
  'unregisterDecorator',
] as const;

/**
 * Makes `handlebars` set a template up once per runtime-options object instead of on every call.
 *
 * Before each top-level call Handlebars prepares the template from scratch (its `_setup`): every
 * registered helper wrapped again in two new closures, the decorators copied, the prototype-access
 * rules built. That is the same for the same options and the same registrations, and it was ~20 KB
 * of the ~100–130 KB an uncached page allocated (a view and its layout: two calls). Here the setup
 * is kept while the options are the same frozen object (the view engine's) and nothing has been
 * registered or unregistered since; a call as a partial, or with other options, sets up as before.
 * Handlebars has no option for this; the hook is its runtime's `template` (which every compiled
 * template goes through) and the `_setup` it gives each template (Handlebars 4.x).
 *
 * Returns how many setups ran, for tests.
 */
export function rememberTemplateSetups(handlebars: HandlebarsEnvironment): { setups: number } {
  const stats = { setups: 0 };
  let registrations = 0;
  for (const name of REGISTRATIONS) {
    const register = handlebars[name] as (...args: unknown[]) => unknown;
    // eslint-disable-next-line no-restricted-syntax -- once at start-up: a long-lived function, where the old generation is right
    (handlebars as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      registrations += 1;
      return register.apply(this, args);
    };
  }
  const template = handlebars.template.bind(handlebars);
  // eslint-disable-next-line no-restricted-syntax -- once at start-up: a long-lived function, where the old generation is right
  handlebars.template = ((spec: TemplateSpecification) => {
    const compiled = template(spec) as RuntimeTemplate;
    const setUp = compiled._setup.bind(compiled);
    let setUpFor: RuntimeOptions | undefined;
    let setUpAt = -1;
    // eslint-disable-next-line no-restricted-syntax -- once at start-up: a long-lived function, where the old generation is right
    compiled._setup = (options) => {
      if (options === setUpFor && setUpAt === registrations) return;
      stats.setups += 1;
      setUp(options);
      // Only a frozen options object cannot have changed by the next call.
      const keep = !options.partial && Object.isFrozen(options);
      setUpFor = keep ? options : undefined;
      setUpAt = registrations;
    };
    return compiled;
  }) as typeof handlebars.template;
  return stats;
}
