import { describe, expect, it } from "vitest";
import { DEMO_PRODUCTS, MemoryShop, OTHER_BUYER, Transcript, vendorSettings } from "../support/memory-shop";
import { expectWording, wording } from "../support/wording";
import type { EngineVendor } from "../../src/engine/chat-engine";

// The waitlist and delivery conversations, on the engine alone (the Firestore side: emulators/waitlist.test.ts).

const fr = wording("fr");
const en = wording("en");
const ZONES = {
  zones: [
    { name: "Dakar Plateau", fee: 1000 },
    { name: "Pikine", fee: 2000 },
  ],
  askAddress: true,
};

function setup(overrides: Partial<EngineVendor> = {}) {
  const shop = new MemoryShop(DEMO_PRODUCTS);
  return { shop, buyer: new Transcript(shop, vendorSettings(overrides)) };
}

describe("the waitlist in the conversation", () => {
  it("offers a sold-out product's line; OUI takes a place, PLACE tells it, ANNULER leaves", async () => {
    const { shop, buyer } = setup();
    const other = new Transcript(shop, vendorSettings(), OTHER_BUYER);
    expectWording((await other.send("SAC-ETE"))[0], "waitlistOffer", { name: "Sac en cuir", quantity: 1 });
    expectWording((await other.send("oui"))[0], "waitlistJoined", { name: "Sac en cuir", quantity: 1, place: 1 });
    expectWording((await buyer.send("SAC-ETE 2"))[0], "waitlistOffer", { name: "Sac en cuir", quantity: 2 });
    expectWording((await buyer.send("OUI"))[0], "waitlistJoined", { name: "Sac en cuir", quantity: 2, place: 2 });
    // Saying OUI again to a new offer keeps the same place.
    await buyer.send("SAC-ETE");
    expectWording((await buyer.send("OUI"))[0], "waitlistJoined", { name: "Sac en cuir", quantity: 2, place: 2 });
    const places = await buyer.send("ma place");
    const line = fr("waitlistPlaceLine", { name: "Sac en cuir", quantity: 2, place: 2 });
    expectWording(places[0], "waitlistPlaces", { lines: line });
    expectWording((await buyer.send("ANNULER"))[0], "waitlistLeft", { name: "Sac en cuir" });
    expectWording((await buyer.send("place"))[0], "waitlistNone");
    expectWording((await other.send("place"))[0], "waitlistPlaces", {
      lines: fr("waitlistPlaceLine", { name: "Sac en cuir", quantity: 1, place: 1 }),
    });
    expect(shop.waitlist.map((entry) => entry.status)).toEqual(["waiting", "left"]);
  });

  it("offers the line for a short product too; a smaller number still orders; NON-answers drop the offer", async () => {
    const { shop, buyer } = setup({ language: "en" });
    expectWording(
      (await buyer.send("BOUBOU1 3"))[0],
      "waitlistShortOffer",
      {
        name: "Grand boubou brodé",
        max: 1,
        quantity: 3,
      },
      "en",
    );
    expect((await buyer.send("1"))[0]).toContain(
      en("recapLine", { quantity: 1, name: "Grand boubou brodé", amount: "45 000 FCFA" }),
    );
    await buyer.send("BOUBOU1 3");
    expectWording(
      (await buyer.send("yes"))[0],
      "waitlistJoined",
      { name: "Grand boubou brodé", quantity: 3, place: 1 },
      "en",
    );
    expect(shop.waitlist).toHaveLength(1);
    // The offer was for one answer only: a later YES confirms the cart, never joins again.
    await buyer.send("menu");
    await buyer.send("yes");
    expect(shop.waitlist).toHaveLength(1);
  });

  it("gives the units at once when they came back before the OUI", async () => {
    const { shop, buyer } = setup();
    await buyer.send("SAC-ETE");
    shop.products.get("sac1")!.stock = 3;
    const recap = await buyer.send("OUI");
    expect(recap[0]).toContain(fr("recapLine", { quantity: 1, name: "Sac en cuir", amount: "12 500 FCFA" }));
    expect(shop.waitlist).toHaveLength(0);
  });
});

describe("delivery zones in the conversation", () => {
  it("asks the zone and the address after OUI; the order's total includes the fee", async () => {
    const { shop, buyer } = setup({ delivery: ZONES });
    await buyer.send("ROBE1 2");
    const zones = [
      fr("zoneLine", { number: 1, zone: "Dakar Plateau", fee: "1 000 FCFA" }),
      fr("zoneLine", { number: 2, zone: "Pikine", fee: "2 000 FCFA" }),
    ].join("\n");
    expectWording((await buyer.send("OUI"))[0], "askZone", { lines: zones });
    expect(shop.orders.size).toBe(0);
    expectWording((await buyer.send("7"))[0], "zoneInvalid", { max: 2 });
    expectWording((await buyer.send("2"))[0], "askAddress", { zone: "Pikine" });
    const [reserved] = await buyer.send("Cité Lobatt Fall, villa 12, près de la mosquée");
    const values = expectWording(reserved, "orderReservedDelivery", {
      total: "32 000 FCFA",
      zone: "Pikine",
      fee: "2 000 FCFA",
      address: "Cité Lobatt Fall, villa 12, près de la mosquée",
      minutes: 10,
    });
    const order = shop.orders.get(values.reference!)!;
    expect(order.total).toBe(32000);
    expect(order.delivery).toEqual({
      zone: "Pikine",
      fee: 2000,
      address: "Cité Lobatt Fall, villa 12, près de la mosquée",
    });
    expect(order.paymentLink).toContain("amount=32000");
    // The buyer corrects the zone before paying: total and link follow.
    expectWording((await buyer.send("ZONE"))[0], "askZone", { lines: zones });
    expectWording((await buyer.send("1"))[0], "deliveryChanged", {
      reference: values.reference!,
      zone: "Dakar Plateau",
      fee: "1 000 FCFA",
      total: "31 000 FCFA",
      link: "https://pay.wave.com/m/M_sn_awa?amount=31000&ref=" + values.reference,
    });
    expect(order.total).toBe(31000);
  });

  it("keeps today's flow without the setting, and asks the zone before a place in line with it", async () => {
    const plain = setup();
    await plain.buyer.send("ROBE1");
    await plain.buyer.send("1");
    expectWording((await plain.buyer.send("OUI"))[0], "orderReserved", { total: "15 000 FCFA", minutes: 10 });
    expectWording((await plain.buyer.send("ZONE"))[0], "noDeliveryToChange");

    const { shop, buyer } = setup({ delivery: { ...ZONES, askAddress: false } });
    await buyer.send("SAC-ETE");
    expect((await buyer.send("OUI"))[0]).toContain(
      fr("zoneLine", { number: 1, zone: "Dakar Plateau", fee: "1 000 FCFA" }),
    );
    expectWording((await buyer.send("1"))[0], "waitlistJoined", { name: "Sac en cuir", quantity: 1, place: 1 });
    expect(shop.waitlist[0]!.delivery).toEqual({ zone: "Dakar Plateau", fee: 1000 });
  });
});
