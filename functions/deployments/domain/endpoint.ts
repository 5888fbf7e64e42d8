/**
 * Where Nimbus may POST (a target's agent, an organisation's notification URL): https anywhere, or
 * plain http to a loopback address only where the stage allows it (`local`).
 */
export type EndpointVerdict =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly reason: string };

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function checkEndpoint(raw: string, allowLoopbackHttp: boolean): EndpointVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'the endpoint is not a URL' };
  }
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'the endpoint must not carry credentials' };
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:' && isLoopback(url.hostname)) {
    return allowLoopbackHttp
      ? { ok: true, url }
      : { ok: false, reason: 'plain http to a loopback address is not allowed on this stage' };
  }
  return { ok: false, reason: 'the endpoint must use https' };
}
