import { CATALOGUES, merged } from './catalogues';

describe('catalogues merged from one file per feature', () => {
  it('adds a file’s keys to a namespace another file holds', () => {
    const catalogue = merged('en', {
      core: { flash: { saved: 'Saved.' } },
      events: { flash: { events: { published: 'Published.' } }, events: { title: 'Events' } },
    });
    expect(catalogue).toEqual({
      flash: { saved: 'Saved.', events: { published: 'Published.' } },
      events: { title: 'Events' },
    });
  });

  it('refuses the same message written in two files', () => {
    expect(() =>
      merged('uk', { core: { flash: { saved: 'Збережено.' } }, events: { flash: { saved: 'Так.' } } }),
    ).toThrow('uk: "flash.saved" is written twice (again in events)');
    expect(() => merged('ru', { core: { flash: 'Готово' }, events: { flash: { saved: 'Да.' } } })).toThrow(
      'ru: "flash" is written twice (again in events)',
    );
  });

  it('holds every language’s shipped files', () => {
    for (const catalogue of Object.values(CATALOGUES)) {
      expect(Object.keys(catalogue)).toEqual(expect.arrayContaining(['site', 'accounts', 'emails', 'flash']));
    }
  });
});
