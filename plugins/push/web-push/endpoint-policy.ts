/**
 * The browsers' push services, the only hosts a subscription's endpoint may name unless the operator lists more
 * (LATCHKEY_WEB_PUSH_ALLOWED_HOSTS). The endpoint arrives from a phone; sending wherever it says would let a
 * paired device make the server POST to internal addresses.
 */
const PUSH_SERVICE_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', 'web.push.apple.com'];
/** Edge's push service hands out endpoints on per-region hosts under this domain. */
const PUSH_SERVICE_DOMAINS = ['notify.windows.com'];

/** Why this endpoint will not be sent to, or undefined when it may be. No part of the endpoint is quoted. */
export function webPushEndpointProblem(endpoint: string, allowedHosts: readonly string[] = []): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'the push endpoint is not a URL';
  }
  if (url.protocol !== 'https:') return 'the push endpoint must be https';
  if (url.username || url.password) return 'the push endpoint must not carry credentials';
  const host = url.hostname.toLowerCase();
  if (allowedHosts.includes(host)) return undefined;
  const known = PUSH_SERVICE_HOSTS.includes(host) || PUSH_SERVICE_DOMAINS.some((domain) => host.endsWith(`.${domain}`));
  if (!known) return 'the push endpoint is not a known push service';
  if (url.port && url.port !== '443') return 'the push endpoint must use the standard https port';
  return undefined;
}
