import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { startFakeWasender, type FakeSend, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { availableStock } from "../../src/store/stock-shards";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  idTokenWithClaims,
  postWebhook,
  sleep,
} from "../support/emulators";
import type { TestVendor } from "../support/emulators";
import { messagesReceived } from "../support/payloads";
import { click, payLinkOf } from "../support/payment-flows";
import { givePaymentAccount, paymentAccount } from "../support/payments";
import { expectWording, wording } from "../support/wording";

// The waitlist and delivery end to end: buyers over the fake Wasender, units coming back through the
// real triggers (a buyer's ANNULER, the expiry job, an operator's stock edit), reservations paid at the
// fake payment provider.

const db = adminDb();
const fr = wording("fr");
let wasender: FakeWasender;
let payments: FakePayments;

beforeAll(async () => {
  wasender = await startFakeWasender();
  payments = await startFakePayments();
});
afterAll(async () => {
  await wasender.close();
  await payments.close();
});

const TEMPLATE = "https://pay.wave.com/m/M_sn_awa?amount={amount}";
const ROBE = { keyword: "ROBE1", name: "Robe wax Ndeye", price: 15000, currency: "XOF", active: true };

function shopVendor(stock: number, config: Record<string, unknown> = {}) {
  return createVendor(db, {
    apiUrl: wasender.apiUrl,
    config: { businessName: "Awa Couture", paymentLinkTemplate: TEMPLATE, ...config },
    products: { robe1: { ...ROBE, stock } },
  });
}

let phones = 0;
const phone = () => `+2217760${String(Date.now() % 10_000).padStart(4, "0")}${String(phones++ % 10)}`;

function chat(vendor: TestVendor, customer: string) {
  const mine = (send: FakeSend) => send.apiKey === vendor.apiKey && send.to === customer;
  return {
    customer,
    sent: () => wasender.sends.filter(mine).map((send) => send.text ?? ""),
    async say(text: string, replies = 1): Promise<string[]> {
      const before = wasender.sends.filter(mine).length;
      const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text, pushName: "Awa" }));
      expect(res.status).toBe(200);
      const sends = await wasender.waitForSends(before + replies, { predicate: mine });
      return sends.slice(before).map((send) => send.text ?? "");
    },
    /** The bot's `count`-th message to this buyer (1-based), once it is sent. */
    async nth(count: number, timeoutMs = 20_000): Promise<string> {
      const sends = await wasender.waitForSends(count, { predicate: mine, timeoutMs });
      return sends[count - 1]!.text ?? "";
    },
  };
}

const orders = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("orders");
const waitlist = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("waitlist");
const product = (vendorId: string) => db.collection("vendors").doc(vendorId).collection("products").doc("robe1");

/** The units are gone and every catalogue copy knows it (the stock view, then the 3 s catalogue cache). */
async function soldOut(vendorId: string): Promise<void> {
  await eventually(async () => ((await product(vendorId).get()).get("stock") === 0 ? true : undefined), 15_000);
  await sleep(3_100);
}

async function reserveOne(vendor: TestVendor, customer: string): Promise<string> {
  const buyer = chat(vendor, customer);
  await buyer.say("ROBE1 1");
  const [reserved] = await buyer.say("OUI");
  return expectWording(reserved, "orderReserved").reference!;
}

async function joinLine(vendor: TestVendor, customer: string, place: number) {
  const buyer = chat(vendor, customer);
  expectWording((await buyer.say("ROBE1"))[0], "waitlistOffer", { name: "Robe wax Ndeye", quantity: 1 });
  expectWording((await buyer.say("OUI"))[0], "waitlistJoined", { name: "Robe wax Ndeye", quantity: 1, place });
  return buyer;
}

describe("the waitlist (emulators)", () => {
  it("gives a cancelled unit to the first buyer in line, who pays through the vendor's checkout", async () => {
    const vendor = await shopVendor(1);
    await givePaymentAccount(vendor.vendorId, paymentAccount("wave", payments), payments);
    const first = chat(vendor, phone());
    await first.say("ROBE1 1");
    const [reserved] = await first.say("OUI");
    const held = expectWording(reserved, "orderReserved").reference!;
    await soldOut(vendor.vendorId);
    const waiting = await joinLine(vendor, phone(), 1);
    const place = await waiting.say("PLACE");
    expectWording(place[0], "waitlistPlaces", {
      lines: fr("waitlistPlaceLine", { name: "Robe wax Ndeye", quantity: 1, place: 1 }),
    });

    expectWording((await first.say("ANNULER"))[0], "orderCancelled", { reference: held });
    const served = await waiting.nth(4);
    const { reference } = expectWording(served, "waitlistServed", {
      name: "Robe wax Ndeye",
      quantity: 1,
      total: "15 000 FCFA",
      minutes: 10,
    });
    expect(served).toContain(payLinkOf(vendor.vendorId, reference!));
    const order = (await orders(vendor.vendorId).doc(reference!).get()).data()!;
    expect(order).toMatchObject({
      customer: waiting.customer,
      status: "reserved",
      stockHeld: true,
      total: 15000,
      wabaInstanceId: vendor.wabaInstanceId,
    });
    const entry = (
      await waitlist(vendor.vendorId)
        .doc(order.waitlistEntry as string)
        .get()
    ).data()!;
    expect(entry).toMatchObject({
      status: "served",
      orderId: reference,
      productId: "robe1",
      customer: waiting.customer,
    });
    expect(await availableStock(vendor.vendorId, "robe1")).toBe(0);

    const opened = await click(payLinkOf(vendor.vendorId, reference!));
    expect(opened.status, opened.text).toBe(302);
    expect(payments.find(reference!, vendor.vendorId)).toMatchObject({ amount: 15000, reference });
    await payments.pay(reference!, { vendorId: vendor.vendorId });
    expectWording(await waiting.nth(5), "paymentThanks", {
      reference: reference!,
      total: "15 000 FCFA",
      shop: "Awa Couture",
    });
  }, 60_000);

  it("two releases and three buyers in line at once: exactly two reservations, in line order", async () => {
    const vendor = await shopVendor(2, { reservationDurationMinutes: 1 });
    // Two buyers reserve side by side (their order does not matter: both reservations lapse at once).
    const held = await Promise.all([reserveOne(vendor, phone()), reserveOne(vendor, phone())]);
    await soldOut(vendor.vendorId);
    const line = [
      await joinLine(vendor, phone(), 1),
      await joinLine(vendor, phone(), 2),
      await joinLine(vendor, phone(), 3),
    ];
    // Both reservations lapse at once; two expiry jobs run side by side, and the order triggers too.
    const past = Timestamp.fromMillis(Date.now() - 1000);
    await Promise.all(held.map((reference) => orders(vendor.vendorId).doc(reference).update({ expiresAt: past })));
    const token = await idTokenWithClaims({ admin: true });
    const jobs = await Promise.all([
      adminCall("/jobs/expire-reservations", { token }),
      adminCall("/jobs/expire-reservations", { token }),
    ]);
    expect(jobs.map((job) => job.status)).toEqual([200, 200]);
    for (const buyer of line.slice(0, 2))
      expectWording(await buyer.nth(3), "waitlistServed", { name: "Robe wax Ndeye" });
    await sleep(3_000); // every trigger of the releases has run
    const reserved = await orders(vendor.vendorId).where("status", "==", "reserved").get();
    expect(reserved.docs.map((doc) => doc.get("customer")).sort()).toEqual(
      line
        .slice(0, 2)
        .map((buyer) => buyer.customer)
        .sort(),
    );
    const third = await waitlist(vendor.vendorId).where("customer", "==", line[2]!.customer).get();
    expect(third.docs.map((doc) => doc.get("status"))).toEqual(["waiting"]);
    expect(line[2]!.sent()).toHaveLength(2);
    expect(await availableStock(vendor.vendorId, "robe1")).toBe(0);
    // The third buyer is now first in line.
    expectWording((await line[2]!.say("PLACE"))[0], "waitlistPlaces", {
      lines: fr("waitlistPlaceLine", { name: "Robe wax Ndeye", quantity: 1, place: 1 }),
    });
  }, 90_000);

  it("serves the line from an operator's restock, then closes it when the product goes off sale", async () => {
    const vendor = await shopVendor(0);
    const line = [
      await joinLine(vendor, phone(), 1),
      await joinLine(vendor, phone(), 2),
      await joinLine(vendor, phone(), 3),
    ];
    expectWording((await line[2]!.say("ANNULER"))[0], "waitlistLeft", { name: "Robe wax Ndeye" });
    await product(vendor.vendorId).update({ stock: 1 });
    expectWording(await line[0]!.nth(3), "waitlistServed", { name: "Robe wax Ndeye" });
    await product(vendor.vendorId).update({ active: false });
    expectWording(await line[1]!.nth(3), "waitlistClosed", { name: "Robe wax Ndeye" });
    const statuses = (await waitlist(vendor.vendorId).orderBy("joinedAt").get()).docs.map((doc) => doc.get("status"));
    expect(statuses).toEqual(["served", "closed", "left"]);
    await sleep(1_000);
    expect(line[2]!.sent()).toHaveLength(3);
    expectWording((await line[1]!.say("PLACE"))[0], "waitlistNone");
  }, 60_000);
});

describe("delivery zones (emulators)", () => {
  it("records the zone and address in the order, and the checkout charges the total with the fee", async () => {
    const delivery = {
      zones: [
        { name: "Dakar Plateau", fee: 1000 },
        { name: "Pikine", fee: 2000 },
      ],
      askAddress: true,
    };
    const vendor = await shopVendor(5, { delivery });
    await givePaymentAccount(vendor.vendorId, paymentAccount("paydunya", payments), payments);
    const buyer = chat(vendor, phone());
    await buyer.say("ROBE1 2");
    expectWording((await buyer.say("OUI"))[0], "askZone");
    expectWording((await buyer.say("2"))[0], "askAddress", { zone: "Pikine" });
    const [reserved] = await buyer.say("Cité Lobatt Fall, villa 12");
    const { reference } = expectWording(reserved, "orderReservedDelivery", {
      total: "32 000 FCFA",
      zone: "Pikine",
      fee: "2 000 FCFA",
      address: "Cité Lobatt Fall, villa 12",
      link: payLinkOf(vendor.vendorId, (/\*(CMD-[A-Z0-9]{6})\*/.exec(reserved!) ?? [])[1] ?? ""),
    });
    const order = (await orders(vendor.vendorId).doc(reference!).get()).data()!;
    expect(order).toMatchObject({
      total: 32000,
      delivery: { zone: "Pikine", fee: 2000, address: "Cité Lobatt Fall, villa 12" },
      paymentFallback: "https://pay.wave.com/m/M_sn_awa?amount=32000",
    });
    // The hold counts from the reservation, whatever the time spent answering.
    expect(((order.expiresAt as Timestamp).toMillis() - (order.createdAt as Timestamp).toMillis()) / 60_000).toBe(10);
    expect((await click(payLinkOf(vendor.vendorId, reference!))).status).toBe(302);
    expect(payments.find(reference!, vendor.vendorId)).toMatchObject({ amount: 32000 });

    // The buyer corrects the zone before paying: a new checkout for the new total, same expiry.
    expectWording((await buyer.say("ZONE"))[0], "askZone");
    expectWording((await buyer.say("1"))[0], "deliveryChanged", {
      reference: reference!,
      zone: "Dakar Plateau",
      fee: "1 000 FCFA",
      total: "31 000 FCFA",
      link: payLinkOf(vendor.vendorId, reference!),
    });
    const changed = (await orders(vendor.vendorId).doc(reference!).get()).data()!;
    expect(changed).toMatchObject({ total: 31000, delivery: { zone: "Dakar Plateau", fee: 1000 } });
    expect((changed.expiresAt as Timestamp).toMillis()).toBe((order.expiresAt as Timestamp).toMillis());
    await eventually(
      async () => (payments.find(reference!, vendor.vendorId).amount === 31000 ? true : undefined),
      10_000,
    );
    await payments.pay(reference!, { vendorId: vendor.vendorId });
    await eventually(
      async () => ((await orders(vendor.vendorId).doc(reference!).get()).get("status") === "paid" ? true : undefined),
      10_000,
    );
  }, 60_000);
});
