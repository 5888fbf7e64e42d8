import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnonymiser } from '#shared/anonymise.ts';

const USER_ID = '0b9f3c1e-5f7a-4a51-9d43-2d1f7e8a6b10';
const EMAIL = 'Ada.Lovelace+nimbus@example.co.uk';
const anonymiser = createAnonymiser(Buffer.from('unit-test-pseudonym-key'));

/** The one log line the real logger writes for `write()`, parsed. */
async function logged(write: (logger: typeof import('#shared/observability.ts').logger) => void) {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  const { logger } = await import('#shared/observability.ts');
  const lines: string[] = [];
  // ERROR and WARN go to stderr, the rest to stdout: both are captured while `write` runs.
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    write(logger);
  } finally {
    for (const [i, stream] of streams.entries()) stream.write = originals[i] ?? stream.write;
  }
  assert.equal(lines.length, 1, 'one line written');
  return { raw: lines[0] ?? '', entry: JSON.parse(lines[0] ?? '{}') as Record<string, unknown> };
}

describe('anonymiser', () => {
  it('masks emails, cuts IPs to their network and pseudonymises user ids', () => {
    const out = anonymiser.text(
      `user ${USER_ID} <${EMAIL}> from 203.0.113.77 and 2001:db8:85a3:8d3:1319:8a2e:370:7348`,
    );

    assert.equal(out.includes(EMAIL), false);
    assert.equal(out.includes(USER_ID), false);
    assert.match(out, /^user ~[A-Za-z0-9_-]{12} <\[email\]> from 203\.0\.113\.0 and 2001:db8:85a3::$/);
  });

  it('gives one id one pseudonym (lines about a user read together), another id another', () => {
    const a = anonymiser.text(`/v1/users/${USER_ID}/sessions`);

    assert.equal(a, anonymiser.text(`/v1/users/${USER_ID.toUpperCase()}/sessions`));
    assert.notEqual(a, anonymiser.text('/v1/users/1b9f3c1e-5f7a-4a51-9d43-2d1f7e8a6b10/sessions'));
    assert.notEqual(a, createAnonymiser(Buffer.from('another key')).text(`/v1/users/${USER_ID}/sessions`));
  });

  it('masks compressed and IPv4-mapped IPv6 and IPs inside identifiers, not timestamps or versions of 3 parts', () => {
    assert.equal(anonymiser.text('ip:2001:db8::1|acct:x'), 'ip:2001:db8::|acct:x');
    assert.equal(anonymiser.text('from ::ffff:198.51.100.23.'), 'from 198.51.100.0.');
    assert.equal(anonymiser.text('at [::1]:443'), 'at [::]:443');
    const timestamp = '2026-12-01T22:44:06.387Z took 12:34:56 v1.2.3';
    assert.equal(anonymiser.text(timestamp), timestamp);
  });

  it('keeps request ids where they name a request, still masking personal data there', () => {
    assert.equal(anonymiser.replacer('correlation_id', USER_ID), USER_ID);
    assert.notEqual(anonymiser.replacer('userId', USER_ID), USER_ID);
    assert.equal(anonymiser.replacer('correlationId', EMAIL), '[email]');
    assert.equal(anonymiser.replacer('count', 3), 3);
  });
});

describe('the logger writes no personal data', () => {
  it('masks the message, extra keys at any depth, an error message and its stack', async () => {
    const error = new Error(`lookup of ${EMAIL} (${USER_ID}) from 198.51.100.7 failed`);

    const { raw, entry } = await logged((logger) =>
      logger.error(`login failed for ${EMAIL} from 198.51.100.7`, {
        path: `/v1/users/${USER_ID}/sessions`,
        principal: { id: USER_ID, ip: '2001:db8:4:5::6', email: EMAIL },
        correlation_id: '7d0c1a52-3c86-4a3e-8f0e-6f8f2f3f9b11',
        error,
      }),
    );

    for (const secret of [EMAIL, USER_ID, '198.51.100.7', '2001:db8:4:5::6']) {
      assert.equal(raw.includes(secret), false, `${secret} in ${raw}`);
    }
    assert.equal(entry.message, 'login failed for [email] from 198.51.100.0');
    assert.match(String(entry.path), /^\/v1\/users\/~[A-Za-z0-9_-]{12}\/sessions$/);
    assert.deepEqual((entry.principal as Record<string, unknown>).ip, '2001:db8:4::');
    assert.match(
      String((entry.error as Record<string, unknown>).message),
      /^lookup of \[email\] \(~.{12}\) from 198\.51\.100\.0 failed$/,
    );
    // The request stays traceable.
    assert.equal(entry.correlation_id, '7d0c1a52-3c86-4a3e-8f0e-6f8f2f3f9b11');
  });

  it('masks secrets too (an API key inside an error message)', async () => {
    const { raw } = await logged((logger) => logger.warn('bad key', { cause: 'nmb_live_abcdefghijklmnop' }));

    assert.equal(raw.includes('nmb_live_abcdefghijklmnop'), false);
  });
});
