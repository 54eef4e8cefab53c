import { getAuth } from "firebase-admin/auth";
import { ensureAdminApp } from "../shared/firestore";
import { logger } from "../shared/logger";
import { AccountStandings, refusalOfAuthError, standingRefusal } from "./account-standing";

/** Who called: `admin` for an operator (`admin: true`), false for a vendor's staff. */
export type Authorization =
  { ok: true; uid: string; admin: boolean } | { ok: false; status: 401 | 403 | 503; code: string; message: string };

type Refusal = Extract<Authorization, { ok: false }>;
type Claims = Record<string, unknown> & { uid: string };

/** Per function instance: a disabled, deleted or revoked account is refused within 30 s (admin/account-standing.ts). */
const standings = new AccountStandings();

/**
 * The verified claims of the Firebase ID token in `Authorization: Bearer <token>`, of an account that
 * still exists, is enabled and has not had its tokens revoked; or a 401 refusal (503 when Auth cannot
 * be read to tell).
 */
async function verifiedClaims(authorization: string | undefined): Promise<{ ok: true; claims: Claims } | Refusal> {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token)
    return {
      ok: false,
      status: 401,
      code: "unauthenticated",
      message: "Send a Firebase ID token: Authorization: Bearer <token>.",
    };
  ensureAdminApp();
  let claims: Claims;
  try {
    claims = await getAuth().verifyIdToken(token);
  } catch (error) {
    const refused = refusalOfAuthError(error);
    if (refused) return { ok: false, status: 401, ...refused };
    return { ok: false, status: 401, code: "invalid_token", message: "The ID token is invalid or expired." };
  }
  let refused;
  try {
    refused = standingRefusal(await standings.of(claims.uid), claims.auth_time);
  } catch (error) {
    logger.error("admin: account standing not read", { error: error instanceof Error ? error.message : String(error) });
    return {
      ok: false,
      status: 503,
      code: "auth_unavailable",
      message: "The account could not be checked; retry in a moment.",
    };
  }
  return refused ? { ok: false, status: 401, ...refused } : { ok: true, claims };
}

/**
 * A Firebase Auth ID token (`Authorization: Bearer <token>`) whose custom claims say `admin: true`, or
 * `vendorId` equal to the vendor being managed.
 */
export async function authorizeVendorAdmin(
  authorization: string | undefined,
  vendorId: string | undefined,
): Promise<Authorization> {
  const verified = await verifiedClaims(authorization);
  if (!verified.ok) return verified;
  const { claims } = verified;
  if (claims.admin === true || (vendorId !== undefined && claims.vendorId === vendorId))
    return { ok: true, uid: claims.uid, admin: claims.admin === true };
  const what = vendorId === undefined ? "run platform jobs" : `manage vendor "${vendorId}"`;
  return { ok: false, status: 403, code: "forbidden", message: `This account may not ${what}.` };
}

/** Platform-wide calls: an ID token whose claims say `admin: true`. */
export function authorizeAdmin(authorization: string | undefined): Promise<Authorization> {
  return authorizeVendorAdmin(authorization, undefined);
}

export type ConsoleUser = { ok: true; uid: string; admin: boolean; vendorId: string | undefined } | Refusal;

/** Who is signed in to the console: an operator (`admin: true`), a vendor's staff (`vendorId`), or refused. */
export async function authorizeConsoleUser(authorization: string | undefined): Promise<ConsoleUser> {
  const verified = await verifiedClaims(authorization);
  if (!verified.ok) return verified;
  const { claims } = verified;
  const vendorId = typeof claims.vendorId === "string" && claims.vendorId.length > 0 ? claims.vendorId : undefined;
  if (claims.admin !== true && !vendorId)
    return {
      ok: false,
      status: 403,
      code: "forbidden",
      message: "This account is neither an operator nor a vendor's staff.",
    };
  return { ok: true, uid: claims.uid, admin: claims.admin === true, vendorId };
}
