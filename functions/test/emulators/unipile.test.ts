import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeMeta, type FakeMeta } from "../../../scripts/lib/fake-meta.mjs";
import { startFakeUnipile, type FakeUnipile } from "../../../scripts/lib/fake-unipile.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { greet, outbound, settled } from "../support/delivery";
import { adminDb, createVendor, eventually, messagesOf, sleep, type TestVendor } from "../support/emulators";
import { metaBody, metaFields, metaNumber, metaText, postMeta } from "../support/meta";
import {
  postUnipile,
  unipileAccount,
  unipileAccountStatus,
  unipileFields,
  unipileMessage,
  type UnipileAccount,
} from "../support/unipile";
import { expectProductCard, expectWording, wording } from "../support/wording";
import { availableStock } from "../../src/store/stock-shards";

// Unipile as the third provider, through the real pipeline: Unipile's webhook (or Wasender's) stores,
// the trigger decides, the Cloud Tasks emulator runs the attempts against fakes of Wasender, Meta and
// Unipile that fail on command. Every reply ends sent once, by one provider, or failed with its reason.

const db = adminDb();
let wasender: FakeWasender;
let meta: FakeMeta;
let unipile: FakeUnipile;

beforeAll(async () => {
  [wasender, meta, unipile] = await Promise.all([startFakeWasender(), startFakeMeta(), startFakeUnipile()]);
});
afterEach(() => {
  wasender.clearFaults();
  meta.clearFaults();
  unipile.clearFaults();
});
afterAll(async () => {
  await Promise.all([wasender.close(), meta.close(), unipile.close()]);
});

const PRODUCTS = {
  robe1: { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", stock: 5, active: true },
};
const NO_WASENDER = { wasenderInstanceId: undefined, wasenderApiKey: undefined, wasenderWebhookSecret: undefined };

/** A vendor whose only number is linked to Unipile (`provider: "unipile"`), onboarded by documents. */
async function unipileVendor(config: Record<string, unknown> = {}) {
  const account = unipileAccount();
  const vendor = await createVendor(db, {
    instance: { provider: "unipile", ...NO_WASENDER, ...unipileFields(account, unipile.apiUrl) },
    config: {
      wabaProvider: "unipile",
      paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa?amount={amount}",
      ...config,
    },
    products: PRODUCTS,
  });
  return { vendor, account };
}

/** A Wasender vendor whose replies fail over to a Unipile account. */
async function failoverVendor(instance: Record<string, unknown> = {}) {
  const account = unipileAccount();
  const { unipileWebhookSecret: _secret, ...sending } = unipileFields(account, unipile.apiUrl);
  const vendor = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    instance: { failoverProvider: "unipile", failoverCooldownSeconds: 4, ...sending, ...instance },
  });
  return { vendor, account };
}

const unipileSendsOf = (account: UnipileAccount, to?: string) =>
  unipile.sends.filter((s) => s.accountId === account.accountId && (!to || s.to === to.replace(/^\+/, "")));
const wasenderSendRequests = (vendor: TestVendor) =>
  wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message");
const instanceOf = async (vendor: TestVendor) =>
  (await db.collection("waba_instances").doc(vendor.wabaInstanceId).get()).data()!;
const runtimeOf = async (vendor: TestVendor) =>
  (await db.collection("waba_runtime").doc(vendor.wabaInstanceId).get()).data() ?? {};
const plain = (text: string) => text.replace(/\r\n/g, "\n");

describe("Unipile numbers", () => {
  it("a whole AlloPermet order through Unipile: keyword, quantity, OUI, payment link", async () => {
    const { vendor, account } = await unipileVendor();
    const customer = "+221774000001";
    const say = async (text: string) => {
      const before = unipileSendsOf(account, customer).length;
      const res = await postUnipile(
        vendor.vendorId,
        account.webhookSecret,
        unipileMessage(account.accountId, customer, text),
      );
      expect(res.status, res.text).toBe(200);
      const sends = await unipile.waitForSends(before + 1, {
        predicate: (s) => s.accountId === account.accountId && s.to === customer.slice(1),
      });
      return sends.slice(before).map((s) => plain(s.text));
    };
    expectProductCard((await say("ROBE1"))[0], {
      name: "Robe wax Ndeye",
      price: "15 000 FCFA",
      stock: 5,
      keyword: "ROBE1",
    });
    const twoRobes = wording("fr")("recapLine", { quantity: 2, name: "Robe wax Ndeye", amount: "30 000 FCFA" });
    expectWording((await say("2"))[0], "recap", { lines: twoRobes, total: "30 000 FCFA" });
    const [reserved] = await say("OUI");
    const held = { total: "30 000 FCFA", link: "https://pay.wave.com/m/M_sn_awa?amount=30000", minutes: 10 };
    expect(expectWording(reserved, "orderReserved", held).reference).toMatch(/^CMD-[A-Z0-9]{6}$/);
    expect(
      unipileSendsOf(account).every(
        (s) => s.apiKey === account.apiKey && s.attendeeId === `${customer.slice(1)}@s.whatsapp.net`,
      ),
    ).toBe(true);
    const replies = await settled(vendor.vendorId, customer, 3);
    expect(replies.map((r) => `${r.provider}:${r.status}`)).toEqual(["unipile:sent", "unipile:sent", "unipile:sent"]);
    expect(await availableStock(vendor.vendorId, "robe1")).toBe(3);
  }, 60_000);

  it("the number's own messages, reactions and read receipts are stored as nothing and never answered; a retried event is stored once", async () => {
    const { vendor, account } = await unipileVendor();
    const customer = "+221774000002";
    const ownPhone = vendor.phoneNumber;
    const own = unipileMessage(account.accountId, ownPhone, "Merci pour votre commande", { chat_id: "chat_x" });
    const sender = unipileMessage(account.accountId, customer, "Bonjour", { is_sender: 1 });
    const reaction = unipileMessage(account.accountId, customer, "👍", { event: "message_reaction" });
    const read = unipileMessage(account.accountId, customer, "", { event: "message_read" });
    for (const body of [own, sender, reaction, read]) {
      const res = await postUnipile(vendor.vendorId, account.webhookSecret, body);
      expect(res.status, res.text).toBe(200);
      expect(res.json.ignored).toEqual(expect.any(String));
    }
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);
    expect((await messagesOf(db, vendor.vendorId, ownPhone).get()).size).toBe(0);

    // Unipile retries an event it got no 200 for: the same message is stored (and answered) once.
    const message = unipileMessage(account.accountId, customer, "Bonjour");
    for (let i = 0; i < 2; i += 1)
      expect(
        (await postUnipile(vendor.vendorId, account.webhookSecret, message, { contentType: "text/plain" })).status,
      ).toBe(200);
    await settled(vendor.vendorId, customer, 1);
    expect((await messagesOf(db, vendor.vendorId, customer).where("direction", "==", "inbound").get()).size).toBe(1);
    expect(unipileSendsOf(account, customer)).toHaveLength(1);
  }, 40_000);

  it("account_status drives the number's health: CREDENTIALS holds replies, RECONNECTED sends them", async () => {
    const { vendor, account } = await unipileVendor();
    const customer = "+221774000003";
    const down = await postUnipile(
      vendor.vendorId,
      account.webhookSecret,
      unipileAccountStatus(account.accountId, "CREDENTIALS"),
    );
    expect(down.status, down.text).toBe(200);
    expect(down.json).toMatchObject({ sessionStatus: "credentials", status: "disconnected" });
    expect((await instanceOf(vendor)).status).toBe("disconnected");
    expect((await runtimeOf(vendor)).sessionStatus).toBe("credentials");

    await postUnipile(vendor.vendorId, account.webhookSecret, unipileMessage(account.accountId, customer, "Bonjour"));
    const waiting = await eventually(
      async () => {
        const [reply] = await outbound(vendor.vendorId, customer);
        return reply?.delivery?.state === "waiting" ? reply : undefined;
      },
      20_000,
      "the reply waiting for the account",
    );
    expect(waiting.delivery.waitingReason).toContain("disconnected from Unipile (credentials)");
    expect(unipileSendsOf(account, customer)).toHaveLength(0);

    const up = await postUnipile(
      vendor.vendorId,
      account.webhookSecret,
      unipileAccountStatus(account.accountId, "RECONNECTED"),
    );
    expect(up.json).toMatchObject({ status: "connected" });
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", provider: "unipile" });
    expect(unipileSendsOf(account, customer)).toHaveLength(1);
  }, 60_000);

  it("Unipile's errors as its table says: a bad recipient fails at once, a 503 is retried, a disconnected account marks the number", async () => {
    const { vendor, account } = await unipileVendor();
    const customer = "+221774000004";
    const say = (text: string) =>
      postUnipile(vendor.vendorId, account.webhookSecret, unipileMessage(account.accountId, customer, text));

    unipile.injectFault({ type: "errors/invalid_recipient", accountId: account.accountId });
    await say("Bonjour");
    const [rejected] = await settled(vendor.vendorId, customer, 1);
    expect(rejected).toMatchObject({ status: "failed", error: { code: "rejected" } });
    expect(rejected!.delivery.attempts).toBe(1);

    unipile.injectFault({ type: "errors/service_unavailable", accountId: account.accountId });
    await say("aide");
    const retried = (await settled(vendor.vendorId, customer, 2, 60_000))[1]!;
    expect(retried).toMatchObject({ status: "sent", provider: "unipile" });
    expect(retried.delivery.lastErrors.unipile.code).toBe("server_error");

    unipile.injectFault({ type: "errors/disconnected_account", accountId: account.accountId });
    await say("menu");
    const refused = (await settled(vendor.vendorId, customer, 3))[2]!;
    expect(refused).toMatchObject({ status: "failed", error: { code: "unauthorized" } });
    const marked = await eventually(async () => (await runtimeOf(vendor)).deliveryProblem, 10_000, "the number marked");
    expect(marked).toMatchObject({ code: "unauthorized" });
  }, 90_000);
});

describe("Unipile webhook authentication", () => {
  it("a forged or missing Unipile-Auth is refused 401 with nothing written; another vendor's account is refused 403", async () => {
    const { vendor, account } = await unipileVendor({ autoReplyEnabled: false });
    const customer = "+221774000010";
    const message = unipileMessage(account.accountId, customer, "Bonjour");
    const forged = await postUnipile(vendor.vendorId, "not-the-secret", message);
    expect(forged).toMatchObject({ status: 401, json: { error: { code: "invalid_signature" } } });
    const missing = await postUnipile(vendor.vendorId, undefined, message);
    expect(missing).toMatchObject({ status: 401, json: { error: { code: "missing_signature" } } });
    const empty = await postUnipile(vendor.vendorId, "", message);
    expect(empty.status).toBe(401);
    const status = await postUnipile(
      vendor.vendorId,
      `${account.webhookSecret}x`,
      unipileAccountStatus(account.accountId, "CREDENTIALS"),
    );
    expect(status.status).toBe(401);
    const other = unipileAccount();
    const foreign = await postUnipile(
      vendor.vendorId,
      account.webhookSecret,
      unipileMessage(other.accountId, customer, "Bonjour"),
    );
    expect(foreign).toMatchObject({ status: 403, json: { error: { code: "unknown_number" } } });
    expect((await messagesOf(db, vendor.vendorId, customer).get()).size).toBe(0);
    expect((await runtimeOf(vendor)).sessionStatus).toBeUndefined();
    expect((await instanceOf(vendor)).status).toBe("connected");

    const right = await postUnipile(vendor.vendorId, account.webhookSecret, message);
    expect(right.status, right.text).toBe(200);
    const stored = await messagesOf(db, vendor.vendorId, customer).get();
    expect(stored.docs.map((d) => [d.get("text"), d.get("channel")])).toEqual([["Bonjour", "unipile"]]);
  }, 30_000);
});

describe("failover to Unipile", () => {
  it("Wasender 503 three times: the reply leaves once through Unipile; after the cooldown a probe brings them back to Wasender", async () => {
    const { vendor, account } = await failoverVendor();
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 3 });
    const customer = "+221774000020";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply).toMatchObject({ status: "sent", provider: "unipile" });
    expect(wasenderSendRequests(vendor)).toHaveLength(3);
    expect(wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(0);
    expect(unipileSendsOf(account)).toHaveLength(1);
    expect(plain(unipileSendsOf(account)[0]!.text)).toBe(reply!.text);
    expect(reply!.delivery.lastErrors.wasender.code).toBe("server_error");
    expect((await runtimeOf(vendor)).circuit).toMatchObject({ state: "open", failures: 3 });

    // While open: straight to Unipile.
    await greet(vendor, customer, "aide");
    await settled(vendor.vendorId, customer, 2);
    expect(wasenderSendRequests(vendor)).toHaveLength(3);
    expect(unipileSendsOf(account)).toHaveLength(2);

    // After the 4 s cooldown, one message probes Wasender (healthy again) and closes the circuit.
    await sleep(4_500);
    await greet(vendor, customer, "menu");
    const replies = await settled(vendor.vendorId, customer, 3);
    expect(replies[2]).toMatchObject({ status: "sent", provider: "wasender" });
    expect(unipileSendsOf(account)).toHaveLength(2);
    expect((await runtimeOf(vendor)).circuit).toMatchObject({ state: "closed", failures: 0 });
  }, 90_000);

  it("a 504 from Unipile during failover: retried on Unipile only (a possible duplicate never switches), never by both", async () => {
    const { vendor, account } = await failoverVendor({ failoverThreshold: 1, failoverCooldownSeconds: 600 });
    wasender.injectFault({ status: 503, apiKey: vendor.apiKey, path: "/api/send-message", times: 5 });
    unipile.injectFault({ type: "errors/request_timeout", accountId: account.accountId });
    const customer = "+221774000021";
    await greet(vendor, customer);
    const [reply] = await settled(vendor.vendorId, customer, 1, 60_000);
    expect(reply).toMatchObject({ status: "sent", provider: "unipile", possibleDuplicate: true });
    expect(wasenderSendRequests(vendor)).toHaveLength(1);
    expect(unipile.requests.filter((r) => r.accountId === account.accountId)).toHaveLength(2);
  }, 90_000);

  it("a failover needs the three sending fields; without them the number is refused with the reasons", async () => {
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { failoverProvider: "unipile", unipileAccountId: "acc_1" },
    });
    const problems = await eventually(
      async () => (await instanceOf(vendor)).configProblems as string[] | undefined,
      10_000,
      "the problems written",
    );
    expect(problems).toEqual([
      'unipileApiKey: is required with failoverProvider "unipile"',
      'unipileApiUrl: is required with failoverProvider "unipile"',
    ]);
  }, 20_000);
});

describe("switching a number's provider on a live document (the design document's FAQ)", () => {
  it("wasender → meta → unipile, the other providers' fields left in place: each switch gives a working number", async () => {
    const number = metaNumber();
    const account = unipileAccount();
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, products: PRODUCTS });
    const ref = db.collection("waba_instances").doc(vendor.wabaInstanceId);
    const customer = "+221774000030";
    await greet(vendor, customer);
    expect((await settled(vendor.vendorId, customer, 1))[0]).toMatchObject({ status: "sent", provider: "wasender" });

    await ref.update({ provider: "meta", ...metaFields(number, meta.apiUrl) });
    const notices = await eventually(
      async () => (await instanceOf(vendor)).configNotices as string[] | undefined,
      10_000,
      "the notices written",
    );
    expect(notices).toContain(
      'wasenderApiKey: ignored on a meta number (provider "meta"); kept for a switch back, remove it when the switch is final',
    );
    expect((await instanceOf(vendor)).configProblems).toBeUndefined();
    const viaMeta = await postMeta(
      vendor.vendorId,
      number.appSecret,
      metaBody([metaText(number.phoneNumberId, customer, "aide")]),
    );
    expect(viaMeta.status, viaMeta.text).toBe(200);
    expect((await settled(vendor.vendorId, customer, 2))[1]).toMatchObject({ status: "sent", provider: "meta" });
    expect(meta.sends.filter((s) => s.phoneNumberId === number.phoneNumberId)).toHaveLength(1);

    await ref.update({ provider: "unipile", ...unipileFields(account, unipile.apiUrl) });
    await eventually(
      async () =>
        ((await instanceOf(vendor)).configNotices as string[] | undefined)?.some((n) =>
          n.startsWith("metaAccessToken"),
        ) || undefined,
      10_000,
      "the notices rewritten",
    );
    expect((await instanceOf(vendor)).configProblems).toBeUndefined();
    const viaUnipile = await postUnipile(
      vendor.vendorId,
      account.webhookSecret,
      unipileMessage(account.accountId, customer, "menu"),
    );
    expect(viaUnipile.status, viaUnipile.text).toBe(200);
    expect((await settled(vendor.vendorId, customer, 3))[2]).toMatchObject({ status: "sent", provider: "unipile" });
    expect(unipileSendsOf(account, customer)).toHaveLength(1);
    expect(wasenderSendRequests(vendor)).toHaveLength(1);
  }, 90_000);
});
