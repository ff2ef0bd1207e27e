import Handlebars from 'handlebars';
import { rememberTemplateSetups } from './template-setups';

describe('rememberTemplateSetups (template-setups.ts)', () => {
  const setUp = () => {
    const handlebars = Handlebars.create();
    const stats = rememberTemplateSetups(handlebars);
    handlebars.registerHelper('shout', (text: string) => text.toUpperCase());
    handlebars.registerPartial('item', '<li>{{shout this}}</li>');
    return { handlebars, stats };
  };
  const options = Object.freeze({ allowProtoPropertiesByDefault: true });

  it('sets a template up once for the same frozen options, and renders the same', () => {
    const { handlebars, stats } = setUp();
    const page = handlebars.compile('<ul>{{#each items}}{{> item}}{{/each}}</ul>{{shout title}}');
    const context = { items: ['a', 'b'], title: 'x' };
    expect(page(context, options)).toBe('<ul><li>A</li><li>B</li></ul>X');
    const afterFirst = stats.setups;
    expect(page(context, options)).toBe('<ul><li>A</li><li>B</li></ul>X');
    expect(page(context, options)).toBe('<ul><li>A</li><li>B</li></ul>X');
    // The partial is set up on each call (from its caller's container); the page only once.
    expect(stats.setups - afterFirst).toBe(2 * 2);
  });

  it('sets up again after a helper or partial is registered, and uses the new one', () => {
    const { handlebars, stats } = setUp();
    const page = handlebars.compile('{{shout title}}');
    expect(page({ title: 'x' }, options)).toBe('X');
    handlebars.registerHelper('shout', (text: string) => `${text}!`);
    expect(page({ title: 'x' }, options)).toBe('x!');
    expect(stats.setups).toBe(2);
    page({ title: 'x' }, options);
    expect(stats.setups).toBe(2);
  });

  it('sets up on every call with options that are not frozen, or none', () => {
    const { handlebars, stats } = setUp();
    const page = handlebars.compile('{{shout title}}');
    page({ title: 'x' }, { allowProtoPropertiesByDefault: true });
    page({ title: 'x' }, { allowProtoPropertiesByDefault: true });
    page({ title: 'x' });
    expect(stats.setups).toBe(3);
  });

  it('keeps the options of the call: prototype getters readable or not', () => {
    const { handlebars } = setUp();
    class Row {
      get label() {
        return 'from the prototype';
      }
    }
    const page = handlebars.compile('[{{row.label}}]');
    expect(page({ row: new Row() }, options)).toBe('[from the prototype]');
    expect(page({ row: new Row() }, Object.freeze({}))).toBe('[]');
    expect(page({ row: new Row() }, options)).toBe('[from the prototype]');
  });
});
