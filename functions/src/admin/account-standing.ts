import { getAuth } from "firebase-admin/auth";
import { LRUCache } from "lru-cache";

/**
 * Whether a signed-in account may still act: an ID token stays valid for an hour after its user is
 * disabled, deleted or has its tokens revoked (`revokeRefreshTokens`), so the admin API also checks
 * the user's record. Read from Firebase Auth at most once per STANDING_TTL_MS per user and function
 * instance (a lookup on every request would cost an Auth call each): a removed staff account loses
 * access within that time plus the lookup's.
 */
export type AccountStanding =
  | { exists: false }
  | { exists: true; disabled: boolean; /** ms; tokens issued before are revoked */ tokensValidAfter?: number };

export type StandingRefusal = { code: "deleted_account" | "disabled_account" | "revoked_token"; message: string };

/** 30 s: with the lookup itself, well within the 60 s promised for a removed account. */
export const STANDING_TTL_MS = 30_000;
/** Users remembered per function instance; the least recently seen go first. */
export const STANDING_MAX_USERS = 10_000;

/** The user's record, as far as access goes; `{ exists: false }` for a deleted user. */
export async function readAccountStanding(uid: string): Promise<AccountStanding> {
  try {
    const user = await getAuth().getUser(uid);
    const validAfter = user.tokensValidAfterTime ? Date.parse(user.tokensValidAfterTime) : NaN;
    return {
      exists: true,
      disabled: user.disabled,
      ...(Number.isFinite(validAfter) && { tokensValidAfter: validAfter }),
    };
  } catch (error) {
    if ((error as { code?: unknown }).code === "auth/user-not-found") return { exists: false };
    throw error; // Auth unreachable: not remembered, the caller refuses this request
  }
}

export class AccountStandings {
  private readonly cache: LRUCache<string, AccountStanding>;

  constructor(
    lookup: (uid: string) => Promise<AccountStanding> = readAccountStanding,
    options: { ttlMs?: number; max?: number; now?: () => number } = {},
  ) {
    this.cache = new LRUCache<string, AccountStanding>({
      max: options.max ?? STANDING_MAX_USERS,
      ttl: options.ttlMs ?? STANDING_TTL_MS,
      ttlResolution: 0, // the clock read on every look: an entry is never used past its TTL
      // Concurrent requests of one user share one lookup; a failed lookup is not remembered.
      fetchMethod: (uid) => lookup(uid),
      ...(options.now && { perf: { now: options.now } }),
    });
  }

  /** The user's standing, from memory when read less than the TTL ago; rejects when Auth cannot be read. */
  async of(uid: string): Promise<AccountStanding> {
    const standing = await this.cache.fetch(uid);
    if (!standing) throw new Error("no account standing");
    return standing;
  }
}

/** Why a token of this user, signed in at `authTimeSeconds` (the token's `auth_time`), may no longer act. */
export function standingRefusal(standing: AccountStanding, authTimeSeconds: unknown): StandingRefusal | undefined {
  if (!standing.exists) return { code: "deleted_account", message: "This account no longer exists." };
  if (standing.disabled) return { code: "disabled_account", message: "This account is disabled." };
  const signedInAt = typeof authTimeSeconds === "number" ? authTimeSeconds * 1000 : NaN;
  if (standing.tokensValidAfter !== undefined && !(signedInAt >= standing.tokensValidAfter))
    return { code: "revoked_token", message: "This session was revoked: sign in again." };
  return undefined;
}

/** The same refusals when the Admin SDK checked the user itself (it does in the Auth emulator) and threw. */
export function refusalOfAuthError(error: unknown): StandingRefusal | undefined {
  switch ((error as { code?: unknown } | undefined)?.code) {
    case "auth/user-not-found":
      return standingRefusal({ exists: false }, undefined);
    case "auth/user-disabled":
      return standingRefusal({ exists: true, disabled: true }, undefined);
    case "auth/id-token-revoked":
      return standingRefusal({ exists: true, disabled: false, tokensValidAfter: Infinity }, undefined);
    default:
      return undefined;
  }
}
