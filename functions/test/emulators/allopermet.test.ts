import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeSend, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { wordingKeyOf } from "../support/wording";
import { adminCall, adminDb, createVendor, eventually, idTokenWithClaims, messagesOf, outboundOf, postWebhook, sleep, type TestVendor } from "../support/emulators";
import { availableStock } from "../../src/store/stock-shards";

// AlloPermet end to end: Wasender webhook → stored message → engine in its transaction → replies at the
// fake Wasender, and the order lifecycle (payment, expiry, vendor cancel) through Firestore edits.

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

const PRODUCTS = {
  robe1: { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", stock: 5, active: true, imageUrl: "https://example.com/robe1.jpg" },
  boubou1: { keyword: "BOUBOU1", name: "Grand boubou brodé", price: 45000, currency: "XOF", stock: 1, active: true },
};
const OWNER = "+221765554433";

function shopVendor(config: Record<string, unknown> = {}) {
  const merged = { businessName: "Awa Couture", ownerPhone: "76 555 44 33", paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa?amount={amount}", ...config };
  return createVendor(db, {
    apiUrl: wasender.apiUrl,
    config: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)),
    products: PRODUCTS,
  });
}

/** One buyer's chat: `say` posts a message and returns the texts the bot sent back to that buyer. */
function chat(vendor: TestVendor, customer: string) {
  const mine = (send: FakeSend) => send.apiKey === vendor.apiKey && send.to === customer;
  return {
    sent: () => wasender.sends.filter(mine),
    async say(text: string, replies = 1): Promise<string[]> {
      const before = wasender.sends.filter(mine).length;
      const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text, pushName: "Fatou" }));
      expect(res.status).toBe(200);
      if (replies === 0) return [];
      const sends = await wasender.waitForSends(before + replies, { predicate: mine });
      return sends.slice(before).map((send) => send.text ?? "");
    },
  };
}

/** The buyer's inbound message with this text, once it is decided as `state` (skipped or failed). */
function decidedInbound(vendorId: string, customer: string, text: string, state: "skipped" | "failed") {
  return eventually(async () => {
    const snap = await messagesOf(db, vendorId, customer).where("text", "==", text).get();
    return snap.docs[0]?.get("processing.state") === state ? snap.docs[0] : undefined;
  }, 10_000, `"${text}" decided as ${state}`);
}

const orders = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("orders");
/** The units on sale now (what the product's stock shards hold); the product's `stock` view follows within seconds. */
const stockOf = (vendorId: string, productId: string) => availableStock(vendorId, productId);
const stockViewOf = async (vendorId: string, productId: string) =>
  (await db.collection("vendors").doc(vendorId).collection("products").doc(productId).get()).get("stock") as number;

describe("AlloPermet over WhatsApp (emulators)", () => {
  it("orders a product from keyword to paid, in French, from the vendor's own number", async () => {
    const vendor = await shopVendor();
    const buyer = chat(vendor, "+221771110001");
    const [card] = await buyer.say("robe1");
    expect(card).toContain("*Robe wax Ndeye*\n15 000 FCFA\nEn stock : 5");
    expect(buyer.sent().at(-1)!.imageUrl).toBe("https://example.com/robe1.jpg");
    expect(await buyer.say("2")).toEqual([expect.stringContaining("2 × Robe wax Ndeye = 30 000 FCFA")]);
    const [reserved] = await buyer.say("OUI");
    const reference = /Commande \*(CMD-[A-Z0-9]{6})\* réservée : 30 000 FCFA/.exec(reserved!)?.[1];
    expect(reference, reserved).toBeDefined();
    expect(reserved).toContain("https://pay.wave.com/m/M_sn_awa?amount=30000");

    const order = (await orders(vendor.vendorId).doc(reference!).get()).data()!;
    expect(order).toMatchObject({ customer: "+221771110001", customerName: "Fatou", status: "reserved", stockHeld: true, total: 30000, wabaInstanceId: vendor.wabaInstanceId });
    const holdMinutes = ((order.expiresAt as Timestamp).toMillis() - (order.createdAt as Timestamp).toMillis()) / 60_000;
    expect(holdMinutes).toBe(10);
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    // What cards and the console show catches up once the view's window ends.
    await eventually(async () => ((await stockViewOf(vendor.vendorId, "robe1")) === 3 ? true : undefined), 15_000, "stock view refreshed");

    // The payment is confirmed by a document update; the thank-you goes out once.
    await orders(vendor.vendorId).doc(reference!).update({ status: "paid" });
    const thanks = await wasender.waitForSends(4, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110001" });
    expect(thanks[3]!.text).toBe(`Paiement reçu pour la commande *${reference}* (30 000 FCFA). Merci pour votre achat chez Awa Couture !`);
    await orders(vendor.vendorId).doc(reference!).update({ paymentNote: "Wave ref 123" });
    await sleep(1500);
    expect(buyer.sent()).toHaveLength(4);
    expect((await orders(vendor.vendorId).doc(reference!).get()).get("notices.paid")).toBe(`order_${reference}_paid`);
    expect(await buyer.say("commandes")).toEqual([expect.stringContaining(`*${reference}* : 30 000 FCFA, payée`)]);
  });

  it("answers in English for an English vendor, with the platform's pay page by default", async () => {
    const vendor = await shopVendor({ language: "en", paymentLinkTemplate: undefined, businessName: "Dakar Sneakers" });
    const buyer = chat(vendor, "+221771110002");
    expect((await buyer.say("hello"))[0]).toContain("welcome to Dakar Sneakers");
    expect((await buyer.say("ROBE1 x2"))[0]).toContain("Total: *30 000 FCFA*");
    const [reserved] = await buyer.say("yes");
    expect(reserved).toMatch(new RegExp(`https://livepay.tech/pay/${vendor.vendorId}/CMD-[A-Z0-9]{6}\\?amount=30000`));
  });

  it("lets two buyers race for the last unit: one order, the other told, stock never below zero", async () => {
    const vendor = await shopVendor();
    const first = chat(vendor, "+221771110003");
    const second = chat(vendor, "+221771110004");
    await first.say("BOUBOU1 1");
    await second.say("BOUBOU1 1");
    const [a, b] = await Promise.all([first.say("OUI"), second.say("OUI")]);
    // One buyer is told the order is reserved, the other that the stock changed (the engine's wording keys).
    const outcomes = [a, b].map((replies) => replies.map((text) => wordingKeyOf(text)));
    expect(outcomes.filter((keys) => keys.includes("orderReserved"))).toHaveLength(1);
    expect(outcomes.find((keys) => !keys.includes("orderReserved"))).toContain("notEnoughStock");
    expect((await orders(vendor.vendorId).get()).size).toBe(1);
    expect(await stockOf(vendor.vendorId, "boubou1")).toBe(0);
  }, 45_000);

  it("handles a buyer's quick messages in order, each seeing the state the previous one left", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110005";
    for (const text of ["ROBE1", "3", "OUI"]) {
      expect((await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text }))).status).toBe(200);
    }
    const sends = await wasender.waitForSends(3, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === customer });
    expect(sends.map((s) => wordingKeyOf(s.text!))).toEqual(["productCard", "recap", "orderReserved"]);
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(2);
  }, 45_000);

  it("expires an unpaid reservation on the sweep: stock back, buyer told once", async () => {
    const vendor = await shopVendor({ reservationDurationMinutes: 1 });
    const buyer = chat(vendor, "+221771110006");
    await buyer.say("ROBE1 2");
    const [reserved] = await buyer.say("OUI");
    expect(reserved).toContain("1 minutes");
    const reference = /(CMD-[A-Z0-9]{6})/.exec(reserved!)![1]!;
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    // Not yet due: the sweep leaves it alone.
    const token = await idTokenWithClaims({ admin: true });
    await adminCall("/jobs/expire-reservations", { token });
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");
    // Its time is up (moved back rather than waited for), then two sweeps run.
    await orders(vendor.vendorId).doc(reference).update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    const [sweep, again] = await Promise.all([adminCall("/jobs/expire-reservations", { token }), adminCall("/jobs/expire-reservations", { token })]);
    expect(sweep.status).toBe(200);
    expect(again.status).toBe(200);
    const notice = await wasender.waitForSends(3, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110006" });
    expect(notice[2]!.text).toBe(`La réservation *${reference}* a expiré sans paiement, les articles sont remis en vente. Tapez le mot-clé pour recommander.`);
    expect((await orders(vendor.vendorId).doc(reference).get()).data()).toMatchObject({ status: "expired", stockHeld: false });
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(5);
    await sleep(1000);
    expect(buyer.sent()).toHaveLength(3);
    expect((await adminCall("/jobs/expire-reservations", { token: await idTokenWithClaims({ vendorId: vendor.vendorId }) })).status).toBe(403);
  }, 45_000);

  it("gives a vendor-cancelled order's stock back and tells the buyer; a buyer's ANNULER does it at once", async () => {
    const vendor = await shopVendor();
    const buyer = chat(vendor, "+221771110007");
    await buyer.say("ROBE1 1");
    const reference = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    await orders(vendor.vendorId).doc(reference).update({ status: "cancelled" });
    const sends = await wasender.waitForSends(3, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110007" });
    expect(sends[2]!.text).toBe(`Le vendeur a annulé la commande *${reference}*.`);
    await eventually(async () => ((await stockOf(vendor.vendorId, "robe1")) === 5 ? true : undefined), 10_000, "stock given back");

    await buyer.say("ROBE1 2");
    const second = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    expect(await buyer.say("ANNULER")).toEqual([`La commande *${second}* est annulée et les articles sont remis en vente.`]);
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(5);
    expect((await orders(vendor.vendorId).doc(second).get()).data()).toMatchObject({ status: "cancelled", cancelledBy: "customer", stockHeld: false });

    // An operator ending a reservation by hand ("expired") also gives its stock back, once.
    await buyer.say("ROBE1 1");
    const third = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    const before = buyer.sent().length;
    await orders(vendor.vendorId).doc(third).update({ status: "expired" });
    const expiredNotice = await wasender.waitForSends(before + 1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110007" });
    expect(expiredNotice.at(-1)!.text).toContain(`La réservation *${third}* a expiré`);
    await eventually(async () => ((await stockOf(vendor.vendorId, "robe1")) === 5 ? true : undefined), 10_000, "stock given back");
    await sleep(1000);
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(5);
  }, 45_000);

  it("hands off to a person: vendor notified on its owner phone and by a document; the bot resumes by command or edit", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110008";
    const buyer = chat(vendor, customer);
    expect(await buyer.say("Je veux parler à un HUMAIN")).toEqual([expect.stringContaining("Je n'ai pas compris")]);
    expect(await buyer.say("humain")).toEqual(["Je préviens Awa Couture : quelqu'un vous répond ici dès que possible."]);
    const [notice] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    expect(notice!.text).toContain(`Le client Fatou (${customer}) demande à parler à quelqu'un`);
    expect(notice!.text).toContain(`REPRENDRE ${customer}`);
    const handoffs = await db.collection("vendors").doc(vendor.vendorId).collection("handoffs").where("customer", "==", customer).get();
    expect(handoffs.docs.map((doc) => doc.get("text"))).toEqual(["humain"]);

    await buyer.say("ROBE1", 0);
    const paused = await decidedInbound(vendor.vendorId, customer, "ROBE1", "skipped");
    expect(paused.get("processing.reason")).toContain("handed off");
    expect(buyer.sent()).toHaveLength(2);

    const owner = chat(vendor, OWNER);
    expect(await owner.say(`REPRENDRE ${customer.slice(4)}`)).toEqual([`Le robot reprend la conversation avec ${customer}.`]);
    expect((await buyer.say("ROBE1"))[0]).toContain("*Robe wax Ndeye*");

    // Handing off again, then resuming by a console edit of the conversation document. The owner's
    // notice is awaited: the owner's own chat below counts the messages it gets.
    const ownerSends = owner.sent().length;
    await buyer.say("agent");
    await wasender.waitForSends(ownerSends + 1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    await buyer.say("ROBE1", 0);
    await eventually(async () => {
      const snap = await messagesOf(db, vendor.vendorId, customer).where("text", "==", "ROBE1").where("processing.state", "==", "skipped").get();
      return snap.size === 2 ? true : undefined;
    }, 10_000, "the second paused message decided");
    await db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer).update({ botPaused: false });
    expect((await buyer.say("BOUBOU1"))[0]).toContain("*Grand boubou brodé*");

    // The owner asking for a person pauses its own chat, yet its REPRENDRE still gets through.
    await owner.say("humain", 2);
    const noticesBefore = owner.sent().length;
    await buyer.say("agent");
    await wasender.waitForSends(noticesBefore + 1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    expect(await owner.say(`REPRENDRE ${customer}`)).toEqual([`Le robot reprend la conversation avec ${customer}.`]);
  }, 60_000);

  it("answers with the away message outside opening hours, once, and stays silent with auto-reply off", async () => {
    // Open half an hour a day, twelve hours from now: closed whenever the test runs.
    const opens = String((new Date().getUTCHours() + 12) % 24).padStart(2, "0");
    const halfHour = [`${opens}:00-${opens}:30`];
    const weekly = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, halfHour]));
    const vendor = await shopVendor({ openingHours: { timeZone: "UTC", weekly }, awayMessage: "Boutique fermée, à demain !" });
    const buyer = chat(vendor, "+221771110009");
    expect(await buyer.say("ROBE1")).toEqual(["Boutique fermée, à demain !"]);
    await buyer.say("allo ?", 0);
    const silent = await decidedInbound(vendor.vendorId, "+221771110009", "allo ?", "skipped");
    expect(silent.get("processing.reason")).toContain("away message was already sent");
    await db.collection("vendor_configs").doc(vendor.vendorId).update({ liveMode: true });
    await sleep(3000); // the edit reaches every cached copy of the config (2 s in memory at most)
    expect((await buyer.say("ROBE1"))[0]).toContain("En stock : 5");

    const off = await shopVendor({ autoReplyEnabled: false });
    const quiet = chat(off, "+221771110010");
    await quiet.say("ROBE1", 0);
    const skipped = await decidedInbound(off.vendorId, "+221771110010", "ROBE1", "skipped");
    expect(skipped.get("processing.reason")).toBe("autoReplyEnabled is false");
    await sleep(500);
    expect(quiet.sent()).toHaveLength(0);
  }, 60_000);

  it("marks a message it cannot decide as failed, with the reason, and does not hold back the next one", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110012";
    const buyer = chat(vendor, customer);
    // A broken order document (an operator's bad edit) that the buyer's ANNULER must read.
    await orders(vendor.vendorId).doc("CMD-BAD234").set({ customer, status: "reserved", items: "not a list" });
    await buyer.say("ANNULER CMD-BAD234", 0);
    const failed = await decidedInbound(vendor.vendorId, customer, "ANNULER CMD-BAD234", "failed");
    expect(failed.get("processing.reason")).toContain("the decision failed 3 times");
    expect(failed.get("processing.attempts")).toBe(3);
    // Answered within say()'s wait, far less than the minute a pending earlier message would hold it.
    expect((await buyer.say("ROBE1"))[0]).toContain("*Robe wax Ndeye*");
    // A reference that cannot be one is no path to a document: a plain ANNULER.
    expect(await buyer.say("annuler CMD/ABC")).toEqual(["C'est annulé, votre panier est vide. Tapez un mot-clé quand vous voulez."]);
    expect(await buyer.say("annuler CMD/ABC")).toEqual(["Il n'y a rien à annuler."]);
  }, 45_000);

  it("keeps a reservation whose reply Wasender refused: the buyer finds it with COMMANDES", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110013";
    const buyer = chat(vendor, customer);
    await buyer.say("ROBE1 1");
    await sleep(500); // the recap's message-id lookup is done
    // A refusal no retry can fix (a 500 would be retried and the reply would go out).
    wasender.injectFault({ status: 422, apiKey: vendor.apiKey, body: { success: false, message: "The given data was invalid." } });
    await buyer.say("OUI", 0);
    const failed = await eventually(async () => {
      const snap = await outboundOf(db, vendor.vendorId, customer).where("status", "==", "failed").get();
      return snap.docs[0];
    }, 10_000, "the refused reply marked failed");
    expect(failed.get("error.code")).toBe("rejected");
    expect(failed.get("text")).toMatch(/^Commande \*CMD-/);
    const [order] = (await orders(vendor.vendorId).get()).docs;
    expect(order!.data()).toMatchObject({ status: "reserved", customer });
    expect(await buyer.say("COMMANDES")).toEqual([expect.stringContaining(`*${order!.id}* : 15 000 FCFA, réservée jusqu'à`)]);
  });

  it("refuses a vendor config with a bad template and says why on the message", async () => {
    const vendor = await shopVendor({ templates: { welcome: "Salut {prenom}" } });
    const customer = "+221771110011";
    await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "bonjour" }));
    const failed = await decidedInbound(vendor.vendorId, customer, "bonjour", "failed");
    expect(failed.get("processing.reason")).toContain("templates.welcome: unknown placeholder {prenom}");
  });
});
