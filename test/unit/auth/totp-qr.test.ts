import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qrSvg } from '#functions/auth/domain/totp-qr.ts';

describe('qrSvg', () => {
  it('renders an SVG document', async () => {
    const svg = await qrSvg('otpauth://totp/Nimbus:ada?secret=JBSWY3DPEHPK3PXP');

    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<path /);
  });
});
