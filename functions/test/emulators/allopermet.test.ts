import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeSend, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { expectProductCard, expectWording, wording, wordingKeyOf } from "../support/wording";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  idTokenWithClaims,
  messagesOf,
  outboundOf,
  postWebhook,
  sleep,
  type TestVendor,
} from "../support/emulators";
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
  robe1: {
    keyword: "ROBE1",
    name: "Robe wax Ndeye",
    price: 15000,
    currency: "XOF",
    stock: 5,
    active: true,
    imageUrl: "https://example.com/robe1.jpg",
  },
  boubou1: { keyword: "BOUBOU1", name: "Grand boubou brodé", price: 45000, currency: "XOF", stock: 1, active: true },
};
const OWNER = "+221765554433";
const fr = wording("fr");
const en = wording("en");
/** The card of a product of PRODUCTS (no description), as the engine words it. */
const robeCard = (stock: number) => ({ name: "Robe wax Ndeye", price: "15 000 FCFA", stock, keyword: "ROBE1" });

function shopVendor(config: Record<string, unknown> = {}) {
  const merged = {
    businessName: "Awa Couture",
    ownerPhone: "76 555 44 33",
    paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa?amount={amount}",
    ...config,
  };
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
  return eventually(
    async () => {
      const snap = await messagesOf(db, vendorId, customer).where("text", "==", text).get();
      return snap.docs[0]?.get("processing.state") === state ? snap.docs[0] : undefined;
    },
    10_000,
    `"${text}" decided as ${state}`,
  );
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
    expectProductCard(card, robeCard(5));
    expect(buyer.sent().at(-1)!.imageUrl).toBe("https://example.com/robe1.jpg");
    const recap = await buyer.say("2");
    expect(recap).toHaveLength(1);
    const twoRobes = fr("recapLine", { quantity: 2, name: "Robe wax Ndeye", amount: "30 000 FCFA" });
    expectWording(recap[0], "recap", { lines: twoRobes, total: "30 000 FCFA" });
    const [reserved] = await buyer.say("OUI");
    const { reference } = expectWording(reserved, "orderReserved", {
      total: "30 000 FCFA",
      link: "https://pay.wave.com/m/M_sn_awa?amount=30000",
      minutes: 10,
    });
    expect(reference).toMatch(/^CMD-[A-Z0-9]{6}$/);

    const order = (await orders(vendor.vendorId).doc(reference!).get()).data()!;
    expect(order).toMatchObject({
      customer: "+221771110001",
      customerName: "Fatou",
      status: "reserved",
      stockHeld: true,
      total: 30000,
      wabaInstanceId: vendor.wabaInstanceId,
    });
    const holdMinutes =
      ((order.expiresAt as Timestamp).toMillis() - (order.createdAt as Timestamp).toMillis()) / 60_000;
    expect(holdMinutes).toBe(10);
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    // What cards and the console show catches up once the view's window ends.
    await eventually(
      async () => ((await stockViewOf(vendor.vendorId, "robe1")) === 3 ? true : undefined),
      15_000,
      "stock view refreshed",
    );

    // The payment is confirmed by a document update; the thank-you goes out once.
    await orders(vendor.vendorId).doc(reference!).update({ status: "paid" });
    const thanks = await wasender.waitForSends(4, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110001",
    });
    expectWording(thanks[3]!.text, "paymentThanks", {
      reference: reference!,
      total: "30 000 FCFA",
      shop: "Awa Couture",
    });
    await orders(vendor.vendorId).doc(reference!).update({ paymentNote: "Wave ref 123" });
    expect((await orders(vendor.vendorId).doc(reference!).get()).get("notices.paid")).toBe(`order_${reference}_paid`);
    // The emulator runs the edit's trigger before it hands over the next message's event, and the buyer's
    // replies leave in order: a second thank-you would be sent before this answer.
    const list = await buyer.say("commandes");
    expect(list).toHaveLength(1);
    const paidLine = fr("orderLine", { reference: reference!, total: "30 000 FCFA", status: fr("statusPaid") });
    expectWording(list[0], "ordersList", { lines: paidLine });
    expect(buyer.sent()).toHaveLength(5);
  });

  it("answers in English for an English vendor, with the platform's pay page by default", async () => {
    const vendor = await shopVendor({ language: "en", paymentLinkTemplate: undefined, businessName: "Dakar Sneakers" });
    const buyer = chat(vendor, "+221771110002");
    expectWording((await buyer.say("hello"))[0], "welcome", { shop: "Dakar Sneakers" }, "en");
    const twoRobes = en("recapLine", { quantity: 2, name: "Robe wax Ndeye", amount: "30 000 FCFA" });
    expectWording((await buyer.say("ROBE1 x2"))[0], "recap", { lines: twoRobes, total: "30 000 FCFA" }, "en");
    const [reserved] = await buyer.say("yes");
    const { reference, link } = expectWording(reserved, "orderReserved", { total: "30 000 FCFA", minutes: 10 }, "en");
    expect(reference).toMatch(/^CMD-[A-Z0-9]{6}$/);
    expect(link).toBe(`https://livepay.tech/pay/${vendor.vendorId}/${reference}?amount=30000`);
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
    const held = { total: "30 000 FCFA", link: "https://pay.wave.com/m/M_sn_awa?amount=30000", minutes: 1 };
    const reference = expectWording(reserved, "orderReserved", held).reference!;
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    // Not yet due: the sweep leaves it alone.
    const token = await idTokenWithClaims({ admin: true });
    await adminCall("/jobs/expire-reservations", { token });
    expect((await orders(vendor.vendorId).doc(reference).get()).get("status")).toBe("reserved");
    // Its time is up (moved back rather than waited for), then two sweeps run.
    await orders(vendor.vendorId)
      .doc(reference)
      .update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    const [sweep, again] = await Promise.all([
      adminCall("/jobs/expire-reservations", { token }),
      adminCall("/jobs/expire-reservations", { token }),
    ]);
    expect(sweep.status).toBe(200);
    expect(again.status).toBe(200);
    const notice = await wasender.waitForSends(3, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110006",
    });
    expectWording(notice[2]!.text, "reservationExpired", { reference });
    expect((await orders(vendor.vendorId).doc(reference).get()).data()).toMatchObject({
      status: "expired",
      stockHeld: false,
    });
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(5);
    // Both sweeps queued their notices on the buyer's outbox before they answered, and the emulator runs
    // the order's trigger before it hands over a later message: a second notice would leave before its answer.
    const [later] = await buyer.say("commandes");
    const expiredLine = fr("orderLine", { reference, total: "30 000 FCFA", status: fr("statusExpired") });
    expectWording(later, "ordersList", { lines: expiredLine });
    expect(buyer.sent()).toHaveLength(4);
    expect(
      (await adminCall("/jobs/expire-reservations", { token: await idTokenWithClaims({ vendorId: vendor.vendorId }) }))
        .status,
    ).toBe(403);
  }, 45_000);

  it("gives a vendor-cancelled order's stock back and tells the buyer; a buyer's ANNULER does it at once", async () => {
    const vendor = await shopVendor();
    const buyer = chat(vendor, "+221771110007");
    // Another buyer's cart of the whole stock, confirmed at the end: that reservation reads the stock.
    const rival = chat(vendor, "+221771110014");
    expectWording((await rival.say("ROBE1 5"))[0], "recap");
    await buyer.say("ROBE1 1");
    const reference = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    await orders(vendor.vendorId).doc(reference).update({ status: "cancelled" });
    const sends = await wasender.waitForSends(3, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110007",
    });
    expectWording(sends[2]!.text, "cancelledByVendor", { reference });
    await eventually(
      async () => ((await stockOf(vendor.vendorId, "robe1")) === 5 ? true : undefined),
      10_000,
      "stock given back",
    );

    await buyer.say("ROBE1 2");
    const second = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(3);
    const cancelled = await buyer.say("ANNULER");
    expect(cancelled).toHaveLength(1);
    expectWording(cancelled[0], "orderCancelled", { reference: second });
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(5);
    expect((await orders(vendor.vendorId).doc(second).get()).data()).toMatchObject({
      status: "cancelled",
      cancelledBy: "customer",
      stockHeld: false,
    });

    // An operator ending a reservation by hand ("expired") also gives its stock back, once.
    await buyer.say("ROBE1 1");
    const third = /(CMD-[A-Z0-9]{6})/.exec((await buyer.say("OUI"))[0]!)![1]!;
    const before = buyer.sent().length;
    await orders(vendor.vendorId).doc(third).update({ status: "expired" });
    const expiredNotice = await wasender.waitForSends(before + 1, {
      predicate: (s) => s.apiKey === vendor.apiKey && s.to === "+221771110007",
    });
    expectWording(expiredNotice.at(-1)!.text, "reservationExpired", { reference: third });
    await eventually(
      async () => ((await stockOf(vendor.vendorId, "robe1")) === 5 ? true : undefined),
      10_000,
      "stock given back",
    );
    // The emulator runs the order's trigger for its own write (a second give-back) before it hands over
    // this message; the reservation of all 5 that leaves none proves exactly 5 were on sale.
    const [rivalOrder] = await rival.say("OUI");
    expectWording(rivalOrder, "orderReserved", { total: "75 000 FCFA" });
    expect(await stockOf(vendor.vendorId, "robe1")).toBe(0);
  }, 45_000);

  it("hands off to a person: vendor notified on its owner phone and by a document; the bot resumes by command or edit", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110008";
    const buyer = chat(vendor, customer);
    const sentence = await buyer.say("Je veux parler à un HUMAIN");
    expect(sentence).toHaveLength(1);
    expectWording(sentence[0], "notUnderstood", { text: "Je veux parler à un HUMAIN" });
    const handedOff = await buyer.say("humain");
    expect(handedOff).toHaveLength(1);
    expectWording(handedOff[0], "handoffStarted", { shop: "Awa Couture" });
    const [notice] = await wasender.waitForSends(1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    expectWording(notice!.text, "handoffOwnerNotice", {
      name: "Fatou",
      customer,
      text: "humain",
      resume: `REPRENDRE ${customer}`,
    });
    const handoffs = await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("handoffs")
      .where("customer", "==", customer)
      .get();
    expect(handoffs.docs.map((doc) => doc.get("text"))).toEqual(["humain"]);

    await buyer.say("ROBE1", 0);
    const paused = await decidedInbound(vendor.vendorId, customer, "ROBE1", "skipped");
    expect(paused.get("processing.reason")).toContain("handed off");
    expect(buyer.sent()).toHaveLength(2);

    const owner = chat(vendor, OWNER);
    const resumed = await owner.say(`REPRENDRE ${customer.slice(4)}`);
    expect(resumed).toHaveLength(1);
    expectWording(resumed[0], "resumeDone", { customer });
    expectProductCard((await buyer.say("ROBE1"))[0], robeCard(5));

    // Handing off again, then resuming by a console edit of the conversation document. The owner's
    // notice is awaited: the owner's own chat below counts the messages it gets.
    const ownerSends = owner.sent().length;
    await buyer.say("agent");
    await wasender.waitForSends(ownerSends + 1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    await buyer.say("ROBE1", 0);
    await eventually(
      async () => {
        const snap = await messagesOf(db, vendor.vendorId, customer)
          .where("text", "==", "ROBE1")
          .where("processing.state", "==", "skipped")
          .get();
        return snap.size === 2 ? true : undefined;
      },
      10_000,
      "the second paused message decided",
    );
    await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("conversations")
      .doc(customer)
      .update({ botPaused: false });
    expectProductCard((await buyer.say("BOUBOU1"))[0], {
      name: "Grand boubou brodé",
      price: "45 000 FCFA",
      stock: 1,
      keyword: "BOUBOU1",
    });

    // The owner asking for a person pauses its own chat, yet its REPRENDRE still gets through.
    await owner.say("humain", 2);
    const noticesBefore = owner.sent().length;
    await buyer.say("agent");
    await wasender.waitForSends(noticesBefore + 1, { predicate: (s) => s.apiKey === vendor.apiKey && s.to === OWNER });
    const resumedAgain = await owner.say(`REPRENDRE ${customer}`);
    expect(resumedAgain).toHaveLength(1);
    expectWording(resumedAgain[0], "resumeDone", { customer });
  }, 60_000);

  it("answers with the away message outside opening hours, once, and stays silent with auto-reply off", async () => {
    // Open half an hour a day, twelve hours from now: closed whenever the test runs.
    const opens = String((new Date().getUTCHours() + 12) % 24).padStart(2, "0");
    const halfHour = [`${opens}:00-${opens}:30`];
    const weekly = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, halfHour]));
    const vendor = await shopVendor({
      openingHours: { timeZone: "UTC", weekly },
      awayMessage: "Boutique fermée, à demain !",
    });
    const buyer = chat(vendor, "+221771110009");
    expect(await buyer.say("ROBE1")).toEqual(["Boutique fermée, à demain !"]);
    await buyer.say("allo ?", 0);
    const silent = await decidedInbound(vendor.vendorId, "+221771110009", "allo ?", "skipped");
    expect(silent.get("processing.reason")).toContain("away message was already sent");
    await db.collection("vendor_configs").doc(vendor.vendorId).update({ liveMode: true });
    await sleep(3000); // the edit reaches every cached copy of the config (2 s in memory at most)
    expectProductCard((await buyer.say("ROBE1"))[0], robeCard(5));

    const off = await shopVendor({ autoReplyEnabled: false });
    const quiet = chat(off, "+221771110010");
    await quiet.say("ROBE1", 0);
    const skipped = await decidedInbound(off.vendorId, "+221771110010", "ROBE1", "skipped");
    expect(skipped.get("processing.reason")).toBe("autoReplyEnabled is false");
    // The vendor's own message goes on the same outbox, after anything the decision queued: a reply
    // would be sent before it.
    const queued = await adminCall(`/vendors/${off.vendorId}/messages`, {
      token: await idTokenWithClaims({ vendorId: off.vendorId }),
      body: { to: "+221771110010", text: "Bonjour, je suis là" },
    });
    expect(queued.status).toBe(202);
    const [own] = await wasender.waitForSends(1, {
      predicate: (s) => s.apiKey === off.apiKey && s.to === "+221771110010",
    });
    expect(own!.text).toBe("Bonjour, je suis là");
    expect(quiet.sent()).toHaveLength(1);
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
    expectProductCard((await buyer.say("ROBE1"))[0], robeCard(5));
    // A reference that cannot be one is no path to a document: a plain ANNULER.
    const cleared = await buyer.say("annuler CMD/ABC");
    expect(cleared).toHaveLength(1);
    expectWording(cleared[0], "cartCleared");
    const nothing = await buyer.say("annuler CMD/ABC");
    expect(nothing).toHaveLength(1);
    expectWording(nothing[0], "nothingToCancel");
  }, 45_000);

  it("keeps a reservation whose reply Wasender refused: the buyer finds it with COMMANDES", async () => {
    const vendor = await shopVendor();
    const customer = "+221771110013";
    const buyer = chat(vendor, customer);
    await buyer.say("ROBE1 1");
    // The recap's WhatsApp id lookup is done (the fault below would refuse it instead of the reply).
    await eventually(
      async () =>
        (await outboundOf(db, vendor.vendorId, customer).get()).docs[0]?.get("waMessageId") ? true : undefined,
      10_000,
      "the recap linked",
    );
    // A refusal no retry can fix (a 500 would be retried and the reply would go out).
    wasender.injectFault({
      status: 422,
      apiKey: vendor.apiKey,
      body: { success: false, message: "The given data was invalid." },
    });
    await buyer.say("OUI", 0);
    const failed = await eventually(
      async () => {
        const snap = await outboundOf(db, vendor.vendorId, customer).where("status", "==", "failed").get();
        return snap.docs[0];
      },
      10_000,
      "the refused reply marked failed",
    );
    expect(failed.get("error.code")).toBe("rejected");
    const link = "https://pay.wave.com/m/M_sn_awa?amount=15000";
    const refused = expectWording(failed.get("text") as string, "orderReserved", {
      total: "15 000 FCFA",
      link,
      minutes: 10,
    });
    const [order] = (await orders(vendor.vendorId).get()).docs;
    expect(order!.data()).toMatchObject({ status: "reserved", customer });
    expect(refused.reference).toBe(order!.id);
    const list = await buyer.say("COMMANDES");
    expect(list).toHaveLength(1);
    const { lines } = expectWording(list[0], "ordersList");
    const { status } = expectWording(lines, "orderLine", { reference: order!.id, total: "15 000 FCFA" });
    expectWording(status, "statusReserved", { link, expiresAt: refused.expiresAt! });
  });

  it("refuses a vendor config with a bad template and says why on the message", async () => {
    const vendor = await shopVendor({ templates: { welcome: "Salut {prenom}" } });
    const customer = "+221771110011";
    await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "bonjour" }));
    const failed = await decidedInbound(vendor.vendorId, customer, "bonjour", "failed");
    expect(failed.get("processing.reason")).toContain("templates.welcome: unknown placeholder {prenom}");
  });
});
