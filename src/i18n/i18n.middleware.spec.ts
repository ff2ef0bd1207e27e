import type { Request, Response } from 'express';
import { languageMiddleware } from './i18n.middleware';

/** Runs the middleware on a bare request in `language` (Accept-Language) and returns its locals. */
function localsFor(language: string): Record<string, unknown> {
  const req = {
    headers: { 'accept-language': language },
    method: 'GET',
    originalUrl: '/',
  } as unknown as Request;
  const res = { locals: {}, setHeader: () => res, vary: () => res } as unknown as Response;
  languageMiddleware()(req, res, () => undefined);
  return res.locals;
}

describe('languageMiddleware', () => {
  it("gives each language's pages one frozen switcher, its own button current", () => {
    const english = localsFor('en');
    const switcher = english.languages as ReadonlyArray<{ code: string; current: boolean }>;
    expect(switcher.filter((entry) => entry.current).map((entry) => entry.code)).toEqual(['en']);
    expect(Object.isFrozen(switcher) && switcher.every((entry) => Object.isFrozen(entry))).toBe(true);
    // The same object for the next request: nothing is built per request.
    expect(localsFor('en').languages).toBe(switcher);
    const ukrainian = localsFor('uk').languages as ReadonlyArray<{ code: string; current: boolean }>;
    expect(ukrainian.find((entry) => entry.current)?.code).toBe('uk');
  });
});
