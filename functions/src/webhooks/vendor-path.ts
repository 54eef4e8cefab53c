import { documentIdSchema } from "../model/common";

const HOSTING_PREFIX = "/api/webhooks/wasender";
/** Sub-paths of a vendor's webhook URL; Wasender posts a session's every event to whichever is registered. */
export const WEBHOOK_SUBPATHS = new Set(["", "status", "connection"]);

export type VendorPath = { ok: true; vendorId: string; subpath: string } | { ok: false; reason: string };

/**
 * The vendor id from either URL form: `/api/webhooks/wasender/{vendorId}[/sub]` through Hosting, or
 * `/{vendorId}[/sub]` after the function's own URL.
 */
export function parseVendorPath(path: string): VendorPath {
  const rest = path.startsWith(HOSTING_PREFIX) ? path.slice(HOSTING_PREFIX.length) : path;
  const segments = rest.split("/").filter((segment) => segment.length > 0);
  const [rawVendorId, subpath = "", ...extra] = segments;
  if (!rawVendorId) return { ok: false, reason: "the URL must end with the vendor id: /{vendorId}" };
  let vendorId: string;
  try {
    vendorId = decodeURIComponent(rawVendorId);
  } catch {
    return { ok: false, reason: "the vendor id in the URL is not valid" };
  }
  if (!documentIdSchema.safeParse(vendorId).success || extra.length > 0 || !WEBHOOK_SUBPATHS.has(subpath)) {
    return { ok: false, reason: `no webhook at ${path}` };
  }
  return { ok: true, vendorId, subpath };
}
