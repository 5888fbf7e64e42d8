import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  type OtpAlgorithm,
  otpauthUri,
  totpAt,
  verifyTotp,
} from '#functions/auth/domain/totp.ts';

// RFC 6238 Appendix B: the seed for each hash is "1234567890" repeated to the hash's block of key bytes.
const seed = (length: number) => base32Encode(Buffer.from('1234567890'.repeat(7).slice(0, length), 'ascii'));
const SEEDS: Record<OtpAlgorithm, string> = { sha1: seed(20), sha256: seed(32), sha512: seed(64) };

const RFC6238: ReadonlyArray<readonly [number, Record<OtpAlgorithm, string>]> = [
  [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
  [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
  [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
  [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
  [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
  [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
];

// RFC 4226 Appendix D, counters 0..9.
const RFC4226 = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

describe('base32', () => {
  it('encodes the RFC 4648 test vectors without padding', () => {
    const vectors = {
      '': '',
      f: 'MY',
      fo: 'MZXQ',
      foo: 'MZXW6',
      foob: 'MZXW6YQ',
      fooba: 'MZXW6YTB',
      foobar: 'MZXW6YTBOI',
    };
    for (const [plain, encoded] of Object.entries(vectors)) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
    }
  });

  it('decodes lower case, padding and the spaces apps show', () => {
    assert.equal(base32Decode('mzxw 6ytb oi======').toString(), 'foobar');
  });

  it('refuses characters outside the alphabet', () => {
    assert.throws(() => base32Decode('MZXW1'));
  });
});

describe('hotp', () => {
  it('matches the RFC 4226 Appendix D values', () => {
    const key = Buffer.from('12345678901234567890', 'ascii');
    RFC4226.forEach((expected, counter) => {
      assert.equal(hotp(key, counter), expected);
      assert.equal(hotp(key, BigInt(counter)), expected);
    });
  });
});

describe('totpAt', () => {
  for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
    it(`matches the RFC 6238 Appendix B values for ${algorithm.toUpperCase()}`, () => {
      for (const [seconds, expected] of RFC6238) {
        const code = totpAt(SEEDS[algorithm], seconds * 1000, { digits: 8, algorithm });
        assert.equal(code, expected[algorithm], `T=${seconds}`);
      }
    });
  }
});

describe('verifyTotp', () => {
  const secret = SEEDS.sha1;
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 30_000);
  const codeAt = (offsetSteps: number) => totpAt(secret, now + offsetSteps * 30_000);

  it('accepts the current step and returns it', () => {
    assert.deepEqual(verifyTotp(secret, codeAt(0), now, null), { ok: true, step });
  });

  it('accepts the previous and the next step, for clock drift', () => {
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now, null), { ok: true, step: step - 1 });
    assert.deepEqual(verifyTotp(secret, codeAt(1), now, null), { ok: true, step: step + 1 });
  });

  it('rejects codes two steps away', () => {
    const window = new Set([codeAt(-1), codeAt(0), codeAt(1)]);
    for (const offset of [-2, 2]) {
      assert.ok(!window.has(codeAt(offset)), 'precondition: no collision with the window');
      assert.deepEqual(verifyTotp(secret, codeAt(offset), now, null), { ok: false });
    }
  });

  it('rejects a code whose step was already used, and any older one', () => {
    const first = verifyTotp(secret, codeAt(0), now, null);
    assert.ok(first.ok);

    assert.deepEqual(verifyTotp(secret, codeAt(0), now, first.step), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now, first.step), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(1), now, first.step), { ok: true, step: step + 1 });
  });

  it('rejects anything that is not six digits', () => {
    const code = codeAt(0);
    for (const garbage of [
      '',
      '12345',
      '1234567',
      'abcdef',
      ` ${code}`,
      `${code} `,
      `${code.slice(0, 5)}x`,
      '١٢٣٤٥٦',
    ]) {
      assert.deepEqual(verifyTotp(secret, garbage, now, null), { ok: false }, JSON.stringify(garbage));
    }
  });
});

describe('generateTotpSecret', () => {
  it('makes 160-bit base32 secrets, different every time', () => {
    const a = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(a).length, 20);
    assert.notEqual(a, generateTotpSecret());
  });
});

describe('otpauthUri', () => {
  it('builds the key URI with an encoded label and issuer', () => {
    const uri = otpauthUri({
      secret: 'JBSWY3DPEHPK3PXP',
      account: 'ada+test@example.com',
      issuer: 'Nimbus Cloud',
    });

    assert.equal(
      uri,
      'otpauth://totp/Nimbus%20Cloud:ada%2Btest%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Nimbus%20Cloud&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('encodes characters that would break the URI', () => {
    const uri = new URL(otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'a&b=c?d#e', issuer: 'A&B' }));

    assert.equal(uri.searchParams.get('issuer'), 'A&B');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(decodeURIComponent(uri.pathname), '/A&B:a&b=c?d#e');
  });
});
