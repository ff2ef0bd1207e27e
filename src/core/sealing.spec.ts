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
    // The ciphertext's first character: all six of its bits are data (a last character may carry
    // padding bits only, which decoding ignores, so changing it can change nothing).
    const [version, iv, tag, data] = sealed.split('.');
    const tampered = `${data[0] === 'A' ? 'B' : 'A'}${data.slice(1)}`;
    expect(() => totp.open('totp:7', [version, iv, tag, tampered].join('.'))).toThrow();
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
