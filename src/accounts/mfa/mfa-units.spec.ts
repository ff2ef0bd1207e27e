import { looksLikeRecoveryCode } from './recovery-codes.service';
import { labelOf } from './trusted-browsers.service';

describe('two-factor: pure pieces', () => {
  it('tells recovery codes from six-digit app codes, however they are typed', () => {
    expect(looksLikeRecoveryCode('abcde-12345')).toBe(true);
    expect(looksLikeRecoveryCode(' ABCDE 12345 ')).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(looksLikeRecoveryCode('123 456')).toBe(false);
    expect(looksLikeRecoveryCode('abcde-123456')).toBe(false);
  });

  it('names a browser from its User-Agent for the trusted-browser list', () => {
    expect(
      labelOf(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      ),
    ).toBe('Chrome on Linux');
    expect(labelOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox on Windows',
    );
    expect(
      labelOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(labelOf(undefined)).toBe('A browser');
  });
});
