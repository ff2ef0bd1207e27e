import { inputProblem, invalidUtf8Field, MAX_INPUT_DEPTH } from './request-input';

describe('inputProblem: what the edge refuses in a parsed body or query', () => {
  const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { a: nested(levels - 1) });

  it('accepts ordinary forms and JSON', () => {
    expect(inputProblem({ title: 'Board games', tags: ['a', 'b'], capacity: 5, ok: null })).toBeUndefined();
    expect(inputProblem(undefined)).toBeUndefined();
    expect(inputProblem({ title: nested(MAX_INPUT_DEPTH) })).toBeUndefined();
  });

  it('names the field holding a NUL, in a value or a key, however deep', () => {
    expect(inputProblem({ title: 'a\u0000b' })).toEqual({
      field: 'title',
      message: 'contains a NUL character (U+0000).',
    });
    expect(inputProblem({ a: [{ b: 'x\u0000' }] })?.field).toBe('a[0][b]');
    expect(inputProblem({ 'na\u0000me': 'x' })).toEqual({
      field: 'na\\0me',
      message: 'has a NUL character (U+0000) in its name.',
    });
  });

  it('refuses keys that reach a prototype', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(inputProblem(JSON.parse(`{"x": {"${key}": {"isStaff": true}}}`))).toEqual({
        field: `x[${key}]`,
        message: 'is not an allowed field name.',
      });
    }
  });

  it('refuses nesting past the bound without recursion (100,000 levels)', () => {
    expect(inputProblem({ title: nested(MAX_INPUT_DEPTH + 1) })?.message).toMatch(/nested too deeply/);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputProblem(deep)?.message).toMatch(/at most 10 levels/);
  });
});

describe('invalidUtf8Field: urlencoded input whose bytes are not UTF-8', () => {
  it.each([
    ['title=ok&q=caf%C3%A9', undefined],
    ['title=%FF', 'title'],
    ['a=1&b=%C3%28', 'b'],
    ['my+name=%E2%82', 'my name'],
    ['%FF=1', ''],
    ['q=100%', undefined],
  ])('%s → %s', (encoded, field) => {
    expect(invalidUtf8Field(encoded)).toBe(field);
  });
});
