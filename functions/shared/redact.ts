/**
 * Key material that must never reach a log, even inside an error message written by a library or
 * another feature: private JWK members (`"d"`, and RSA's CRT and symmetric `"k"`), Nimbus API-key
 * secrets (`nmb_live_…`, `nmb_test_…`) and PEM private keys.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /"(d|p|q|dp|dq|qi|k)"\s*:\s*"[^"]*"/g,
  /nmb_[A-Za-z0-9_-]+/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, pattern) => out.replace(pattern, '[redacted]'), text);
}

/**
 * An error as it may be logged: its name and redacted message. Not the stack, nor the cause or
 * other own properties, which may carry whatever the failing call held.
 */
export function loggableError(error: unknown): { readonly name: string; readonly message: string } {
  if (error instanceof Error) return { name: error.name, message: redactSecrets(error.message) };
  return { name: 'NonError', message: redactSecrets(String(error)) };
}
