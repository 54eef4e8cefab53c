/**
 * Where a number's provider API URLs may point (design, "Who may do what (tenants)"). Operators, and
 * anyone editing Firestore, may set any URL (sandboxes, tests). A vendor's staff may set only
 * `https://` on a host the operator allows (param PROVIDER_API_HOSTS): the next send carries the
 * number's key, the Wasender access token or the Unipile workspace key to that host.
 */
export const PROVIDER_URL_FIELDS = ["wasenderApiUrl", "metaApiUrl", "unipileApiUrl"] as const;
export type ProviderUrlField = (typeof PROVIDER_URL_FIELDS)[number];

export const DEFAULT_PROVIDER_API_HOSTS = "www.wasenderapi.com,graph.facebook.com,*.unipile.com";

/**
 * The instance field that records the URLs a vendor's staff set, as `{ field: url }`: a URL still equal
 * to what staff set must pass the rule at every use; one changed since by an operator is trusted.
 */
export const STAFF_URLS_FIELD = "staffProviderUrls";

/** An allow-list of host names: exact names, or `*.` as the left-most label (one label, as in TLS). */
export class AllowedHosts {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(list: string) {
    for (const entry of list.split(",")) {
      const host = entry.trim().toLowerCase();
      if (host.length === 0) continue;
      if (host.startsWith("*.")) this.suffixes.push(host.slice(1));
      else this.exact.add(host);
    }
  }

  allows(hostname: string): boolean {
    const host = hostname.toLowerCase();
    if (this.exact.has(host)) return true;
    return this.suffixes.some((suffix) => {
      if (!host.endsWith(suffix)) return false;
      const label = host.slice(0, host.length - suffix.length);
      return label.length > 0 && !label.includes(".");
    });
  }
}

/** Why a URL may not be set by a vendor's staff, or undefined when it may. */
export function staffUrlProblem(url: string, allowed: AllowedHosts): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:") return "must start with https://";
  if (parsed.username !== "" || parsed.password !== "") return "must not carry a user name or password";
  if (!allowed.allows(parsed.hostname)) return `host ${parsed.hostname} is not an allowed provider host`;
  return undefined;
}

/**
 * Why the provider URL in `field` of a stored number may not be called, or undefined when it may: a URL
 * still as staff set it must pass the rule now (the allow-list may have narrowed since); any other URL
 * was set by an operator.
 */
export function storedUrlProblem(
  instance: Readonly<Record<string, unknown>>,
  field: ProviderUrlField,
  allowed: AllowedHosts,
): string | undefined {
  const url = instance[field];
  const staffSet = (instance[STAFF_URLS_FIELD] as Record<string, unknown> | undefined)?.[field];
  if (typeof url !== "string" || staffSet !== url) return undefined;
  const problem = staffUrlProblem(url, allowed);
  return problem && `${field} was set by the vendor's staff and ${problem}`;
}
