import { deriveKey, keyedDigest, Sealer } from './sealing';

describe('Sealer (AES-256-GCM under a key derived per purpose)', () => {
  const secret = 'a-session-secret-of-at-least-32-characters';
  const totp = new Sealer(deriveKey(secret, 'event-planner/mfa-totp/v1'));

  it('opens what it sealed, only in the same context, under the same purpose and secret', () => {
    const sealed = totp.seal('totp:7', 'JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(totp.open('totp:7', sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => totp.open('totp:8', sealed)).toThrow();
    expect(() =>
      new Sealer(deriveKey(secret, 'event-planner/mail-secrets/v1')).open('totp:7', sealed),
    ).toThrow();
    expect(() =>
      new Sealer(deriveKey(`${secret}!`, 'event-planner/mfa-totp/v1')).open('totp:7', sealed),
    ).toThrow();
    // One bit of the ciphertext flipped (in its bytes: changing the last base64url character, as
    // this did before, may only change padding bits, and then it opened in a quarter of runs).
    const [version, iv, tag, data] = sealed.split('.');
    const bytes = Buffer.from(data, 'base64url');
    bytes[0] ^= 1;
    expect(() => totp.open('totp:7', [version, iv, tag, bytes.toString('base64url')].join('.'))).toThrow();
    expect(() => totp.open('totp:7', 'v2.a.b.c')).toThrow('unknown format');
  });

  it('seals the same value differently each time (a fresh IV)', () => {
    expect(totp.seal('x', 'same')).not.toBe(totp.seal('x', 'same'));
  });

  it('keyed digests depend on the key', () => {
    const one = keyedDigest(deriveKey(secret, 'a'), 'abcde12345');
    expect(one).toBe(keyedDigest(deriveKey(secret, 'a'), 'abcde12345'));
    expect(one).not.toBe(keyedDigest(deriveKey(secret, 'b'), 'abcde12345'));
  });
});
