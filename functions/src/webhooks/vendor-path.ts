import { pass, refuse, type Step } from "../http/admission";
import { errorResponse } from "../http/handler";
import { documentIdIn, segmentsAfter } from "../http/paths";

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

export interface VendorTarget {
  vendorId: string;
  subpath: string;
}

export type VendorPath = ({ ok: true } & VendorTarget) | { ok: false; reason: string };

/**
 * The vendor id from either URL form: `/api/webhooks/wasender/{vendorId}[/sub]` through Hosting, or
 * `/{vendorId}[/sub]` after the function's own URL.
 */
export function parseVendorPath(path: string, route: WebhookRoute = WASENDER_ROUTE): VendorPath {
  const [rawVendorId, subpath = "", ...extra] = segmentsAfter(path, route.hostingPrefix);
  if (!rawVendorId) return { ok: false, reason: "the URL must end with the vendor id: /{vendorId}" };
  const vendorId = documentIdIn(rawVendorId);
  if (!vendorId || extra.length > 0 || !route.subpaths.has(subpath))
    return { ok: false, reason: `no webhook at ${path}` };
  return { ok: true, vendorId, subpath };
}

/** The route step of a vendor's webhook: its target, or 404 with the reason. */
export function vendorRoute(route: WebhookRoute): (path: string) => Step<VendorTarget> {
  return (path) => {
    const target = parseVendorPath(path, route);
    return target.ok
      ? pass({ vendorId: target.vendorId, subpath: target.subpath })
      : refuse(errorResponse(404, "not_found", target.reason));
  };
}
