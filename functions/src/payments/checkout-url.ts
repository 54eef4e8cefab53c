/**
 * Whether a checkout URL a provider answered may be sent to a buyer: `https:` on one of the provider's
 * own hosts (the host itself or a subdomain), no credentials, default port. Anything else (another
 * host, plain http, an app scheme such as `maxit://`) is never stored nor redirected to: a provider
 * answer we did not expect must not turn our pay link into an open redirect.
 */
export function isProviderCheckoutUrl(text: string, hosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.port !== "") return false;
  const host = url.hostname.toLowerCase();
  return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}
