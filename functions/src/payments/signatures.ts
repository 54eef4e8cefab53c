import { constantTimeEquals, hmacSha256Hex } from "../shared/crypto";

/** How old (or how far ahead) a signed callback's timestamp may be. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type Verdict =
  { ok: true } | { ok: false; code: "missing_signature" | "invalid_signature" | "stale_signature"; message: string };

const parts = (header: string) =>
  header.split(",").map((part) => {
    const at = part.indexOf("=");
    return at < 0 ? ["", ""] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });

/**
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>...]` (Wave-Signature, X-Sonatel-Signature): accepted when any
 * `v1` equals HMAC-SHA256(secret, t + separator + rawBody) and `t` is recent. Every `v1` is compared,
 * whatever the first ones gave, so the time taken says nothing about which matched.
 */
export function verifyTimestampedHmac(
  header: string | undefined,
  secret: string,
  rawBody: Buffer,
  separator: "" | ",",
  nowSeconds: number,
): Verdict {
  if (header === undefined || header.trim() === "")
    return {
      ok: false,
      code: "missing_signature",
      message: "The callback is not signed.",
    };
  const fields = parts(header);
  const timestamp = fields.find(([key]) => key === "t")?.[1];
  const signatures = fields.filter(([key]) => key === "v1").map(([, value]) => value!.toLowerCase());
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return { ok: false, code: "invalid_signature", message: "The signature header is not t=<unix seconds>,v1=<hex>." };
  }
  const expected = hmacSha256Hex(secret, Buffer.concat([Buffer.from(timestamp + separator, "utf8"), rawBody]));
  let matched = false;
  for (const signature of signatures) matched = constantTimeEquals(signature, expected) || matched;
  if (!matched)
    return {
      ok: false,
      code: "invalid_signature",
      message: "The callback signature does not match this vendor's secret.",
    };
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      code: "stale_signature",
      message: `The signature's timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} seconds away.`,
    };
  }
  return { ok: true };
}

/** `Authorization: <scheme> <token>`, the token compared in constant time. */
export function verifyAuthorization(header: string | undefined, scheme: "Bearer" | "Basic", token: string): Verdict {
  if (header === undefined || header.trim() === "")
    return {
      ok: false,
      code: "missing_signature",
      message: `Missing Authorization: ${scheme} <secret>.`,
    };
  const match = /^(\S+)\s+(.+)$/.exec(header.trim());
  const given = match && match[1]!.toLowerCase() === scheme.toLowerCase() ? match[2]!.trim() : "";
  return constantTimeEquals(given, token) && given !== ""
    ? { ok: true }
    : {
        ok: false,
        code: "invalid_signature",
        message: "The callback's Authorization does not match this vendor's secret.",
      };
}
