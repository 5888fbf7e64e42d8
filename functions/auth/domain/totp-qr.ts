import QRCode from 'qrcode';

/**
 * The QR code of an `otpauth://` URI, as SVG. Apart from `totp.ts` because qrcode (with pngjs,
 * ~57 KB minified) is CommonJS, which a bundle keeps whole once any module of the function imports
 * it: only enrolment draws one (`use-cases/totp-enrolment.ts`).
 */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
