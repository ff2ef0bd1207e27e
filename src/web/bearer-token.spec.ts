import { bearerToken } from './bearer-token';

const token = (authorization?: string) => bearerToken({ headers: { authorization } });

describe('bearerToken', () => {
  it('reads the token of the Bearer scheme, in any case, around spaces', () => {
    expect(token('Bearer ept_abc')).toBe('ept_abc');
    expect(token('bearer   ept_abc  ')).toBe('ept_abc');
  });

  it('is undefined without a header, for another scheme, an empty or a two-word value', () => {
    expect(token()).toBeUndefined();
    expect(token('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(token('Bearer')).toBeUndefined();
    expect(token('Bearer ')).toBeUndefined();
    expect(token('Bearer a b')).toBeUndefined();
    expect(token('XBearer ept_abc')).toBeUndefined();
  });
});
