import { randomUUID } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { unipileAccount, unipileFields } from "../support/unipile";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  HOSTING_URL,
  idTokenWithClaims,
  outboundOf,
  postWebhook,
  readResponse,
  uniqueId,
  type TestVendor,
} from "../support/emulators";

// Many vendors on one platform: what a vendor's staff may not do to the platform's keys, to another
// vendor's accounts, or by tapping twice (design, "Who may do what (tenants)"; docs/security.md).
// Each test is written as the attack it stops.
const db = adminDb();
const BUYER = "+221770004455";
let wasender: FakeWasender;
let shop: TestVendor;
let rival: TestVendor;
const tokens = { shopStaff: "", rivalStaff: "", operator: "" };

const instance = async (id: string) => (await db.collection("waba_instances").doc(id).get()).data();

beforeAll(async () => {
  wasender = await startFakeWasender();
  shop = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { wasenderAccessToken: "pat-tenants-shop" } });
  rival = await createVendor(db, { apiUrl: wasender.apiUrl });
  wasender.addSession(`session-${shop.vendorId}`, "pat-tenants-shop");
  tokens.shopStaff = await idTokenWithClaims({ vendorId: shop.vendorId });
  tokens.rivalStaff = await idTokenWithClaims({ vendorId: rival.vendorId });
  tokens.operator = await idTokenWithClaims({ admin: true });
  // Both numbers claimed their keys (the onboarding check ran).
  for (const vendor of [shop, rival])
    await eventually(
      async () => (await db.collection("phone_index").doc(vendor.phoneNumber).get()).exists || undefined,
      15_000,
      "the phone claimed",
    );
});

afterAll(async () => {
  await wasender?.close();
});

const putNumber = (vendorId: string, id: string, token: string, body: Record<string, unknown>) =>
  adminCall(`/vendors/${vendorId}/numbers/${id}`, { method: "PUT", token, body });

describe("provider URLs: a vendor's staff cannot send the platform's keys elsewhere", () => {
  it("refuses staff URLs that are not https on an allowed host, and changes nothing", async () => {
    const before = await instance(shop.wabaInstanceId);
    for (const [field, url] of [
      ["wasenderApiUrl", "http://127.0.0.9/api"],
      ["wasenderApiUrl", "https://127.0.0.9:8443/api"],
      ["metaApiUrl", "https://graph.facebook.com.127.0.0.9.example/v25.0"],
      ["unipileApiUrl", "https://api1.unipile.com@127.0.0.9/api/v1"],
      ["unipileApiUrl", "https://user:pw@api1.unipile.com:13111/api/v1"],
      ["unipileApiUrl", "https://a.b.unipile.com/api/v1"],
      ["wasenderApiUrl", "ftp://www.wasenderapi.com/api"],
    ] as const) {
      const res = await putNumber(shop.vendorId, shop.wabaInstanceId, tokens.shopStaff, { [field]: url });
      expect(res.status, url).toBe(400);
      expect(res.json.error.code, url).toBe("url_not_allowed");
      expect(res.json.error.problems.join(" "), url).toContain(field);
    }
    expect(await instance(shop.wabaInstanceId)).toEqual(before);
  });

  it("lets staff choose an allowed https host, recorded as theirs; operators may set any URL", async () => {
    const id = uniqueId("waba_tenant_urls");
    const staff = await putNumber(shop.vendorId, id, tokens.shopStaff, {
      provider: "unipile",
      unipileApiUrl: "https://api9.unipile.com:13111/api/v1",
      metaApiUrl: "https://graph.facebook.com/v25.0",
    });
    expect(staff.status).toBe(201);
    expect((await instance(id))?.staffProviderUrls).toEqual({
      unipileApiUrl: "https://api9.unipile.com:13111/api/v1",
      metaApiUrl: "https://graph.facebook.com/v25.0",
    });
    const operator = await putNumber(shop.vendorId, id, tokens.operator, {
      unipileApiUrl: "http://127.0.0.1:3902/api/v1",
    });
    expect(operator.status).toBe(200);
    const stored = await instance(id);
    expect(stored?.unipileApiUrl).toBe("http://127.0.0.1:3902/api/v1");
    // The operator's URL is no longer staff's: only the URL staff set stays recorded.
    expect(stored?.staffProviderUrls).toEqual({ metaApiUrl: "https://graph.facebook.com/v25.0" });
  });

  it("never calls a URL still as staff set it once it breaks the rule: sends, status and webhook registration", async () => {
    // A number whose Wasender URL staff set before the allow-list narrowed (or before this rule): the
    // fake Wasender stands for the host that is no longer allowed.
    const victim = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { wasenderAccessToken: "pat-tenants-victim", staffProviderUrls: { wasenderApiUrl: wasender.apiUrl } },
    });
    wasender.addSession(`session-${victim.vendorId}`, "pat-tenants-victim");
    const requestsBefore = wasender.requests.length;
    const res = await postWebhook(victim, messagesReceived({ phone: BUYER.slice(1), text: "Bonjour" }));
    expect(res.status).toBe(200);
    const failed = await eventually(
      async () => {
        const snap = await outboundOf(db, victim.vendorId, BUYER).where("status", "==", "failed").get();
        return snap.empty ? undefined : snap.docs[0]!.data();
      },
      20_000,
      "the reply failed before any request",
    );
    expect(failed.error.message).toContain("wasenderApiUrl was set by the vendor's staff");
    const operator = await idTokenWithClaims({ admin: true });
    const status = await adminCall(`/vendors/${victim.vendorId}/wasender-status`, { method: "GET", token: operator });
    expect(status.status).toBe(409);
    expect(status.json.error.code).toBe("instance_incomplete");
    const setup = await adminCall(`/vendors/${victim.vendorId}/setup-wasender-webhook`, { token: operator });
    expect(setup.status).toBe(409);
    // Not one request carried the number's key or the access token to that host.
    expect(wasender.requests.slice(requestsBefore).filter((r) => r.apiKey === victim.apiKey)).toEqual([]);
    expect(JSON.stringify(wasender.requests.slice(requestsBefore))).not.toContain("pat-tenants-victim");
  });
});

describe("secrets set through the console", () => {
  it("refuses a guessable webhook secret (under 16 characters) and keeps the stored one", async () => {
    const before = await instance(shop.wabaInstanceId);
    for (const weak of ["x", "secret", "0123456789abcde"]) {
      const res = await putNumber(shop.vendorId, shop.wabaInstanceId, tokens.shopStaff, {
        wasenderWebhookSecret: weak,
      });
      expect(res.status, weak).toBe(400);
      expect(res.json.error.problems.join(" "), weak).toContain("wasenderWebhookSecret");
      expect(res.text, weak).not.toContain(`"${weak}"`);
    }
    expect(await instance(shop.wabaInstanceId)).toEqual(before);
  });
});

describe("one owner per account, platform-wide", () => {
  it("refuses staff who claim another vendor's phone, session or Unipile account, without naming the owner", async () => {
    const account = unipileAccount();
    // A number with a Unipile failover account, onboarded by an operator in Firestore.
    const holder = await createVendor(db, {
      instance: { failoverProvider: "unipile", ...unipileFields(account, "https://api1.unipile.com:13111/api/v1") },
    });
    await eventually(
      async () => (await db.collection("unipile_account_index").doc(account.accountId).get()).exists || undefined,
      15_000,
      "the account claimed",
    );
    for (const [field, value, owner] of [
      ["phoneNumber", shop.phoneNumber, shop],
      ["wasenderInstanceId", `session-${shop.vendorId}`, shop],
      ["unipileAccountId", account.accountId, holder],
    ] as const) {
      const id = uniqueId("waba_claim");
      const res = await putNumber(rival.vendorId, id, tokens.rivalStaff, { provider: "wasender", [field]: value });
      expect(res.status, field).toBe(409);
      expect(res.json.error.code, field).toBe("already_in_use");
      expect(res.json.error.fields, field).toEqual([field]);
      // The answer may repeat the value the staff typed (a session id can hold anything), nothing more.
      const said = res.text.replaceAll(value, "");
      expect(said, field).not.toContain(owner.vendorId);
      expect(said, field).not.toContain(owner.wabaInstanceId);
      expect(await instance(id), field).toBeUndefined();
      // The same edit by an operator is refused too, and names the owner.
      const byOperator = await putNumber(rival.vendorId, id, tokens.operator, { provider: "wasender", [field]: value });
      expect(byOperator.status).toBe(409);
      expect(byOperator.json.error.owners).toEqual([
        expect.objectContaining({ field, vendorId: owner.vendorId, wabaInstanceId: owner.wabaInstanceId }),
      ]);
    }
    // Nor can staff move their existing number onto the account.
    const moved = await putNumber(rival.vendorId, rival.wabaInstanceId, tokens.rivalStaff, {
      failoverProvider: "unipile",
      unipileAccountId: account.accountId,
    });
    expect(moved.status).toBe(409);
    expect((await instance(rival.wabaInstanceId))?.unipileAccountId).toBeUndefined();
  });

  it("refuses staff who claim a Unipile account held by a number onboarded before accounts were indexed", async () => {
    const account = unipileAccount();
    const holder = await createVendor(db, {
      instance: { provider: "unipile", ...unipileFields(account, "https://api1.unipile.com:13111/api/v1") },
    });
    const index = db.collection("unipile_account_index").doc(account.accountId);
    await eventually(async () => (await index.get()).exists || undefined, 15_000, "the account claimed");
    // As before this index existed: the number holds the account, no index document says so.
    await index.delete();
    const id = uniqueId("waba_legacy_claim");
    const res = await putNumber(rival.vendorId, id, tokens.rivalStaff, {
      provider: "wasender",
      unipileAccountId: account.accountId,
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("already_in_use");
    expect(res.text).not.toContain(holder.vendorId);
    expect(await instance(id)).toBeUndefined();
    // A Firestore edit onto it is refused too, and the index learns who holds the account.
    const thief = await createVendor(db, {
      instance: { provider: "unipile", ...unipileFields(account, "https://api1.unipile.com:13111/api/v1") },
    });
    await eventually(
      async () => ((await instance(thief.wabaInstanceId))?.claimConflicts ? true : undefined),
      15_000,
      "the thief refused",
    );
    expect((await index.get()).get("wabaInstanceId")).toBe(holder.wabaInstanceId);
  });

  it("keeps a Firestore edit that claims a taken Unipile account out of use: refused, told to operators only", async () => {
    const account = unipileAccount();
    const owner = await createVendor(db, {
      instance: { provider: "unipile", ...unipileFields(account, "http://127.0.0.1:3902/api/v1") },
    });
    await eventually(
      async () => (await db.collection("unipile_account_index").doc(account.accountId).get()).exists || undefined,
      15_000,
      "the owner's claim",
    );
    const thief = await createVendor(db, {
      instance: { provider: "unipile", ...unipileFields(account, "http://127.0.0.1:3902/api/v1") },
    });
    const problems = await eventually(
      async () => (await instance(thief.wabaInstanceId))?.configProblems as string[] | undefined,
      15_000,
      "the refusal",
    );
    expect(problems.join(" ")).toContain(
      `unipileAccountId: the Unipile account ${account.accountId} is already in use`,
    );
    expect(problems.join(" ")).not.toContain(owner.vendorId);
    const thiefStaff = await idTokenWithClaims({ vendorId: thief.vendorId });
    const asStaff = await adminCall(`/vendors/${thief.vendorId}/numbers`, { method: "GET", token: thiefStaff });
    expect(asStaff.status).toBe(200);
    expect(asStaff.text).not.toContain(owner.vendorId);
    expect(asStaff.text).not.toContain(owner.wabaInstanceId);
    const asOperator = await adminCall(`/vendors/${thief.vendorId}/numbers`, { method: "GET", token: tokens.operator });
    expect(asOperator.json.numbers[0].claimConflicts).toEqual([
      expect.objectContaining({ field: "unipileAccountId", ownerVendorId: owner.vendorId }),
    ]);
    // A refused number sends nothing: the vendor-started message fails, never leaving from the owner's account.
    const send = await adminCall(`/vendors/${thief.vendorId}/messages`, {
      token: tokens.operator,
      body: { to: BUYER, text: "from the thief" },
    });
    expect(send.status).toBe(409);
    expect(send.json.error.code).toBe("no_usable_instance");
  });

  it("settles a number reserved ahead of its owner: the operator removes it, and the owner's number gets it", async () => {
    const phone = `+2217${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
    // Staff of the rival reserve a phone number that is not theirs before its owner is onboarded.
    const squat = uniqueId("waba_squat");
    const reserved = await putNumber(rival.vendorId, squat, tokens.rivalStaff, {
      provider: "wasender",
      phoneNumber: phone,
    });
    expect(reserved.status).toBe(201);
    // The owner's number, onboarded by an operator in Firestore, is refused the phone.
    const owner = await createVendor(db, { apiUrl: wasender.apiUrl, instance: { phoneNumber: phone } });
    await eventually(
      async () => ((await instance(owner.wabaInstanceId))?.claimConflicts ? true : undefined),
      15_000,
      "the owner refused",
    );
    // The operator settles it by deleting the squatter's number: the owner's is checked again at once.
    await db.collection("waba_instances").doc(squat).delete();
    await eventually(
      async () => {
        const data = await instance(owner.wabaInstanceId);
        return data && data.configProblems === undefined && data.claimConflicts === undefined ? true : undefined;
      },
      15_000,
      "the owner's number cleared",
    );
    expect((await db.collection("phone_index").doc(phone).get()).get("wabaInstanceId")).toBe(owner.wabaInstanceId);
  });
});

describe("console writes are idempotent", () => {
  const failedMessage = async (vendor: TestVendor, text: string) => {
    const id = uniqueId("out_failed");
    await outboundOf(db, vendor.vendorId, BUYER)
      .doc(id)
      .set({
        direction: "outbound",
        vendorId: vendor.vendorId,
        wabaInstanceId: vendor.wabaInstanceId,
        to: BUYER,
        text,
        origin: "api",
        status: "failed",
        failedAt: Timestamp.now(),
        error: { code: "server_error", message: "Wasender answered 500", retryable: false },
      });
    return `vendors/${vendor.vendorId}/conversations/${BUYER}/outbound/${id}`;
  };

  it("sends a failed message again once for a double tap", async () => {
    const text = `Colis ${randomUUID().slice(0, 8)}`;
    const path = await failedMessage(shop, text);
    const taps = await Promise.all(
      [1, 2, 3].map(() =>
        adminCall(`/vendors/${shop.vendorId}/failed-messages/redrive`, { token: tokens.shopStaff, body: { path } }),
      ),
    );
    expect(taps.map((tap) => tap.status).sort()).toEqual([202, 409, 409]);
    const copy = taps.find((tap) => tap.status === 202)!.json.messageId as string;
    for (const tap of taps.filter((t) => t.status === 409)) {
      expect(tap.json.error.code).toBe("already_redriven");
      expect(tap.json.error.messageId).toBe(copy);
    }
    await wasender.waitForSends(1, { timeoutMs: 20_000, predicate: (send) => send.text === text });
    // A later tap, once it was sent, sends nothing either; one copy exists.
    const late = await adminCall(`/vendors/${shop.vendorId}/failed-messages/redrive`, {
      token: tokens.shopStaff,
      body: { path },
    });
    expect(late.status).toBe(409);
    const copies = await db
      .collection(`vendors/${shop.vendorId}/conversations/${BUYER}/messages`)
      .where("redriveOf", "==", path.split("/").pop())
      .get();
    expect(copies.size).toBe(1);
    await eventually(
      async () =>
        (await outboundOf(db, shop.vendorId, BUYER).doc(copy).get()).get("status") === "sent" ? true : undefined,
      20_000,
      "the copy sent",
    );
    expect(wasender.sends.filter((send) => send.text === text)).toHaveLength(1);
  });

  it("sends a console reply once however often the request is retried with its Idempotency-Key", async () => {
    const text = `Bonjour, c'est la boutique ${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const reply = () =>
      fetch(`${HOSTING_URL}/api/admin/vendors/${shop.vendorId}/conversations/${encodeURIComponent(BUYER)}/messages`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.shopStaff}`,
          "content-type": "application/json",
          "idempotency-key": key,
        },
        body: JSON.stringify({ text }),
      }).then(readResponse);
    const answers = await Promise.all([reply(), reply(), reply()]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    const ids = new Set(answers.map((answer) => answer.json.messageId as string));
    expect(ids.size).toBe(1);
    const [messageId] = [...ids];
    await eventually(
      async () =>
        (await outboundOf(db, shop.vendorId, BUYER).doc(messageId!).get()).get("status") === "sent" ? true : undefined,
      20_000,
      "the reply sent",
    );
    const again = await reply();
    expect(again.status).toBe(202);
    expect(again.json.messageId).toBe(messageId);
    expect(wasender.sends.filter((send) => send.text === text)).toHaveLength(1);
    // The same key for another text is a client's mistake, said so, and sends nothing.
    const reused = await fetch(
      `${HOSTING_URL}/api/admin/vendors/${shop.vendorId}/conversations/${encodeURIComponent(BUYER)}/messages`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.shopStaff}`,
          "content-type": "application/json",
          "idempotency-key": key,
        },
        body: JSON.stringify({ text: "another text" }),
      },
    ).then(readResponse);
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe("idempotency_key_reused");
  });
});
