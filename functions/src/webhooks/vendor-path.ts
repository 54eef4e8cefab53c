import { documentIdSchema } from "../model/common";

/** Sub-paths of a vendor's webhook URL; Wasender posts a session's every event to whichever is registered. */
export const WEBHOOK_SUBPATHS = new Set(["", "status", "connection"]);

export interface WebhookRoute {
  /** The path through Hosting, before the vendor id. */
  hostingPrefix: string;
  subpaths: ReadonlySet<string>;
}

export const WASENDER_ROUTE: WebhookRoute = { hostingPrefix: "/api/webhooks/wasender", subpaths: WEBHOOK_SUBPATHS };
export const META_ROUTE: WebhookRoute = { hostingPrefix: "/api/webhooks/meta", subpaths: new Set([""]) };
export const UNIPILE_ROUTE: WebhookRoute = { hostingPrefix: "/api/webhooks/unipile", subpaths: new Set([""]) };

export type VendorPath = { ok: true; vendorId: string; subpath: string } | { ok: false; reason: string };

/**
 * The vendor id from either URL form: `/api/webhooks/wasender/{vendorId}[/sub]` through Hosting, or
 * `/{vendorId}[/sub]` after the function's own URL.
 */
export function parseVendorPath(path: string, route: WebhookRoute = WASENDER_ROUTE): VendorPath {
  const rest = path.startsWith(route.hostingPrefix) ? path.slice(route.hostingPrefix.length) : path;
  const segments = rest.split("/").filter((segment) => segment.length > 0);
  const [rawVendorId, subpath = "", ...extra] = segments;
  if (!rawVendorId) return { ok: false, reason: "the URL must end with the vendor id: /{vendorId}" };
  let vendorId: string;
  try {
    vendorId = decodeURIComponent(rawVendorId);
  } catch {
    return { ok: false, reason: "the vendor id in the URL is not valid" };
  }
  if (!documentIdSchema.safeParse(vendorId).success || extra.length > 0 || !route.subpaths.has(subpath)) {
    return { ok: false, reason: `no webhook at ${path}` };
  }
  return { ok: true, vendorId, subpath };
}
