import { getAuth } from "firebase-admin/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import {
  adminCall,
  adminDb,
  AUTH_EMULATOR,
  createVendor,
  eventually,
  idTokenWithClaims,
  outboundOf,
  type TestVendor,
} from "../support/emulators";

/**
 * A vendor's staff member removed from the console (account disabled, deleted, or its sessions revoked)
 * keeps a valid ID token for up to an hour: the admin API must refuse it within 60 s on every route,
 * the console's included, and write nothing for it.
 */

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

/** The user id an ID token names (its payload, unverified: the test made it). */
function uidOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { user_id: string };
  return payload.user_id;
}

const numbers = (token: string) => adminCall(`/vendors/${vendor.vendorId}/numbers`, { method: "GET", token });
const health = (token: string) => adminCall(`/vendors/${vendor.vendorId}/health`, { method: "GET", token });
const send = (token: string, to: string) =>
  adminCall(`/vendors/${vendor.vendorId}/messages`, { token, body: { to, text: "Votre colis part demain" } });

const REMOVALS: Array<[string, (uid: string) => Promise<unknown>, string]> = [
  ["disabled", (uid) => getAuth().updateUser(uid, { disabled: true }), "disabled_account"],
  ["with its tokens revoked", (uid) => getAuth().revokeRefreshTokens(uid), "revoked_token"],
  ["deleted", (uid) => getAuth().deleteUser(uid), "deleted_account"],
];

describe("a removed staff account", () => {
  it.each(REMOVALS)(
    "%s: loses the admin API and the console within 60 s, and writes nothing",
    async (_how, remove, code) => {
      const token = await idTokenWithClaims({ vendorId: vendor.vendorId });
      const customer = `+22177${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`;
      // Working before: the console's read, and a message sent.
      expect((await numbers(token)).status).toBe(200);
      const before = await send(token, customer);
      expect(before.status, JSON.stringify(before.json)).toBe(202);
      const written = (await outboundOf(db, vendor.vendorId, customer).get()).size;
      expect(written).toBe(1);

      // Revocation is second-grained (a token signed in the same second stays valid): a second apart.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await remove(uidOf(token));

      // Polled (reads only) until refused; within 60 s whatever this function instance remembered.
      const refused = await eventually(
        async () => {
          const res = await numbers(token);
          return res.status === 401 ? res : undefined;
        },
        60_000,
        "the console refusing the removed account",
      );
      expect(refused.json.error.code).toBe(code);
      for (const res of [await health(token), await send(token, customer)]) {
        expect(res.status).toBe(401);
        expect(res.json.error.code).toBe(code);
      }
      expect((await outboundOf(db, vendor.vendorId, customer).get()).size).toBe(written);
    },
    90_000,
  );

  it("a revoked account that signs in again works again", async () => {
    const token = await idTokenWithClaims({ vendorId: vendor.vendorId });
    const uid = uidOf(token);
    expect((await numbers(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await getAuth().revokeRefreshTokens(uid);
    await eventually(async () => ((await numbers(token)).status === 401 ? true : undefined), 60_000, "refused");
    // A token from a new sign-in (after the revocation) is taken.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = await freshToken(uid);
    expect((await numbers(fresh)).status).toBe(200);
  }, 90_000);
});

/** A new ID token for an existing user: a custom token exchanged at the Auth emulator. */
async function freshToken(uid: string): Promise<string> {
  const custom = await getAuth().createCustomToken(uid);
  const res = await fetch(
    `${AUTH_EMULATOR}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: custom, returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`the Auth emulator gave no ID token: ${JSON.stringify(body)}`);
  return body.idToken;
}
