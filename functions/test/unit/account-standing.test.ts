import { describe, expect, it } from "vitest";
import {
  AccountStandings,
  refusalOfAuthError,
  standingRefusal,
  STANDING_TTL_MS,
  type AccountStanding,
} from "../../src/admin/account-standing";

/** A stand-in for the Auth lookup (the emulator test uses the real one): the records, and the calls made. */
function records(initial: Record<string, AccountStanding>) {
  const users = { ...initial };
  const calls: string[] = [];
  let failing = false;
  return {
    users,
    calls,
    fail: (value: boolean) => (failing = value),
    lookup: async (uid: string): Promise<AccountStanding> => {
      calls.push(uid);
      if (failing) throw new Error("auth unavailable");
      return users[uid] ?? { exists: false };
    },
  };
}

describe("AccountStandings", () => {
  it("reads a user at most once per 30 s, and reads again after", async () => {
    let now = 1_000_000;
    const auth = records({ u1: { exists: true, disabled: false } });
    const standings = new AccountStandings(auth.lookup, { now: () => now });
    expect(STANDING_TTL_MS).toBe(30_000);
    await Promise.all([standings.of("u1"), standings.of("u1"), standings.of("u1")]);
    now += STANDING_TTL_MS - 1;
    expect(await standings.of("u1")).toEqual({ exists: true, disabled: false });
    expect(auth.calls).toEqual(["u1"]);

    auth.users.u1 = { exists: true, disabled: true };
    now += 2;
    expect(await standings.of("u1")).toEqual({ exists: true, disabled: true });
    expect(auth.calls).toEqual(["u1", "u1"]);
  });

  it("remembers a bounded number of users, the least recently seen going first", async () => {
    const auth = records({});
    const standings = new AccountStandings(auth.lookup, { max: 2 });
    for (const uid of ["a", "b", "c", "a"]) await standings.of(uid);
    expect(auth.calls).toEqual(["a", "b", "c", "a"]);
  });

  it("does not remember a failed lookup", async () => {
    const auth = records({ u1: { exists: true, disabled: false } });
    const standings = new AccountStandings(auth.lookup);
    auth.fail(true);
    await expect(standings.of("u1")).rejects.toThrow("auth unavailable");
    auth.fail(false);
    expect(await standings.of("u1")).toEqual({ exists: true, disabled: false });
  });
});

describe("standingRefusal", () => {
  const signedIn = 1_765_000_000; // seconds, as in a token's auth_time

  it("lets an enabled account through, and a session signed in after a revocation", () => {
    expect(standingRefusal({ exists: true, disabled: false }, signedIn)).toBeUndefined();
    expect(
      standingRefusal({ exists: true, disabled: false, tokensValidAfter: signedIn * 1000 }, signedIn),
    ).toBeUndefined();
  });

  it("refuses a deleted or disabled account, and a session signed in before its tokens were revoked", () => {
    expect(standingRefusal({ exists: false }, signedIn)?.code).toBe("deleted_account");
    expect(standingRefusal({ exists: true, disabled: true }, signedIn)?.code).toBe("disabled_account");
    const revoked = { exists: true, disabled: false, tokensValidAfter: (signedIn + 1) * 1000 } as const;
    expect(standingRefusal(revoked, signedIn)?.code).toBe("revoked_token");
    expect(standingRefusal(revoked, undefined)?.code).toBe("revoked_token");
  });

  it("names the Admin SDK's own refusals the same way", () => {
    expect(refusalOfAuthError({ code: "auth/user-disabled" })?.code).toBe("disabled_account");
    expect(refusalOfAuthError({ code: "auth/id-token-revoked" })?.code).toBe("revoked_token");
    expect(refusalOfAuthError({ code: "auth/user-not-found" })?.code).toBe("deleted_account");
    expect(refusalOfAuthError({ code: "auth/argument-error" })).toBeUndefined();
    expect(refusalOfAuthError(new Error("x"))).toBeUndefined();
  });
});
