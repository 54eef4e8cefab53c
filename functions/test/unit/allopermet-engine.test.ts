import { describe, expect, it } from "vitest";
import { expectWording, wording, wordingKeyOf } from "../support/wording";
import {
  BUYER,
  DEMO_PRODUCTS,
  MemoryShop,
  OTHER_BUYER,
  OWNER,
  Transcript,
  vendorSettings,
} from "../support/memory-shop";
import type { EngineVendor } from "../../src/engine/chat-engine";

type Line = [buyer: string, bot: (string | RegExp)[] | "silence"];

/** Plays a transcript: each buyer line, then every fragment the bot's answer (all its messages) must contain. */
async function play(transcript: Transcript, lines: Line[]): Promise<void> {
  for (const [buyer, expected] of lines) {
    const replies = await transcript.send(buyer);
    const said = replies.join("\n---\n");
    if (expected === "silence") {
      expect(replies, `after "${buyer}"`).toEqual([]);
      continue;
    }
    expect(replies.length, `after "${buyer}" the bot said nothing`).toBeGreaterThan(0);
    for (const fragment of expected) {
      if (typeof fragment === "string") expect(said, `after "${buyer}"`).toContain(fragment);
      else expect(said, `after "${buyer}"`).toMatch(fragment);
    }
  }
}

function setup(overrides: Partial<EngineVendor> = {}) {
  const shop = new MemoryShop(DEMO_PRODUCTS);
  return { shop, buyer: new Transcript(shop, vendorSettings(overrides)) };
}

describe("AlloPermet in French (the default)", () => {
  it("takes an order from keyword to payment link", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["Bonjour", ["bienvenue chez Awa Couture", "MENU"]],
      ["robe1", ["*Robe wax Ndeye*", "15 000 FCFA", "Robe longue en wax.", "En stock : 5", "de 1 à 5"]],
    ]);
    expect(buyer.lastImages).toEqual(["https://img.test/robe1.jpg"]);
    await play(buyer, [
      ["9", ["Il ne reste que 5 *Robe wax Ndeye*"]],
      ["deux", ["2 × Robe wax Ndeye = 30 000 FCFA", "Total : *30 000 FCFA*", "OUI pour confirmer"]],
      [
        "Oui",
        [
          "Commande *CMD-TEST1* réservée : 30 000 FCFA",
          "https://pay.wave.com/m/M_sn_awa?amount=30000&ref=CMD-TEST1",
          "10 minutes (jusqu'à 12:10)",
        ],
      ],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(3);
    await play(buyer, [
      ["COMMANDES", ["*CMD-TEST1* : 30 000 FCFA, réservée jusqu'à 12:10, à payer : https://pay.wave.com/"]],
    ]);
  });

  it("matches keywords whatever the case, accents, spaces or a quantity in the same message", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["  Robe 1 ", ["*Robe wax Ndeye*"]],
      ["SAC-ETE", ["*Sac en cuir* est épuisé"]],
      ["ROBE1 x3", ["3 × Robe wax Ndeye = 45 000 FCFA"]],
      ["ancien", ["Je n'ai pas compris « ancien »"]],
    ]);
  });

  it("puts several products in one cart and orders them together", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1", ["Combien"]],
      ["1", ["1 × Robe wax Ndeye = 15 000 FCFA"]],
      ["BOUBOU1", ["*Grand boubou brodé*", "45 000 FCFA"]],
      ["1", ["1 × Robe wax Ndeye", "1 × Grand boubou brodé = 45 000 FCFA", "Total : *60 000 FCFA*"]],
      ["panier", ["Total : *60 000 FCFA*"]],
      ["ROBE1", ["Combien"]],
      ["2", ["2 × Robe wax Ndeye = 30 000 FCFA", "Total : *75 000 FCFA*"]],
      ["OUI", ["réservée : 75 000 FCFA", "amount=75000"]],
      ["PANIER", ["Votre panier est vide"]],
    ]);
    expect([...shop.orders.values()][0]!.items.map((item) => [item.productId, item.quantity])).toEqual([
      ["robe1", 2],
      ["boubou1", 1],
    ]);
  });

  it("never sells the last unit twice: the second buyer is told and offered the line", async () => {
    const { shop, buyer } = setup();
    const other = new Transcript(shop, buyer.vendor, OTHER_BUYER);
    await play(buyer, [
      ["BOUBOU1", ["En stock : 1"]],
      ["1", ["Total"]],
    ]);
    await play(other, [
      ["BOUBOU1", ["En stock : 1"]],
      ["1", ["Total"]],
    ]);
    const [first, second] = await Promise.all([buyer.send("OUI"), other.send("OUI")]);
    expect(first.map((text) => wordingKeyOf(text))).toEqual(["orderReserved"]);
    expect(
      second.map((text) => wordingKeyOf(text)),
      second.join("\n---\n"),
    ).toEqual(["notEnoughStock", "waitlistOffer"]);
    const { lines } = expectWording(second[0], "notEnoughStock");
    expect(lines).toBe(wording()("shortageLine", { name: "Grand boubou brodé", available: 0 }));
    expectWording(second[1], "waitlistOffer", { name: "Grand boubou brodé", quantity: 1 });
    expect(shop.products.get("boubou1")!.stock).toBe(0);
    expect(shop.orders.size).toBe(1);
  });

  it("cancels the cart being built, then a reserved order, and says when there is nothing to cancel", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 2", ["Total"]],
      ["NON", ["C'est annulé"]],
      ["NON", ["Votre panier est vide"]],
      ["ROBE1 2", ["Total"]],
      ["oui", ["CMD-TEST1"]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(3);
    await play(buyer, [
      ["ANNULER", ["La commande *CMD-TEST1* est annulée"]],
      ["annuler", ["Il n'y a rien à annuler"]],
      ["statut", ["*CMD-TEST1* : 30 000 FCFA, annulée"]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("tells the buyer an expired reservation's state", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", ["Total"]],
      ["OUI", ["CMD-TEST1"]],
    ]);
    shop.expire("CMD-TEST1");
    expect(shop.products.get("robe1")!.stock).toBe(5);
    await play(buyer, [
      ["commandes", ["*CMD-TEST1* : 15 000 FCFA, expirée"]],
      ["annuler", ["rien à annuler"]],
    ]);
  });

  it("pages the catalogue and offers a keyword for a typo", async () => {
    const many = Array.from({ length: 8 }, (_, i) => ({
      id: `p${i}`,
      keyword: `ART${i + 1}`,
      name: `Article ${i + 1}`,
      price: 1000 * (i + 1),
      currency: "XOF",
      stock: i,
      active: true,
    }));
    const shop = new MemoryShop([...DEMO_PRODUCTS, ...many]);
    const buyer = new Transcript(shop, vendorSettings());
    await play(buyer, [
      [
        "menu",
        [
          "Catalogue (1/2)",
          "• ART1 : Article 1, 1 000 FCFA (épuisé)",
          "• ART2 : Article 2, 2 000 FCFA (1 en stock)",
          "SUITE",
        ],
      ],
      ["suite", ["Catalogue (2/2)", "ROBE1", "SAC-ÉTÉ"]],
      ["suite", ["Catalogue (1/2)"]],
      ["ROBEE1", ["Vouliez-vous dire *ROBE1* ?"]],
      ["oui", ["*Robe wax Ndeye*"]],
      ["bla bla", ["Répondez par un nombre de 1 à 5"]],
    ]);
    const fresh = new Transcript(shop, vendorSettings());
    await play(fresh, [
      ["je veux une robe rouge taille 40 svp", [/^Je n'ai pas compris « je veux une robe rouge taille 40 svp »/]],
    ]);
    const [reply] = await fresh.send("Est-ce que vous livrez à Thiès demain matin ou pas du tout ?");
    expect(reply!.length).toBeLessThan(160);
  });

  it("lists what it understands on AIDE", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["aide", ["Awa Couture : voici ce que je comprends", "BOUBOU1, ROBE1", "PANIER", "COMMANDES", "HUMAIN"]],
    ]);
  });

  it("hands off to a person, tells the vendor, stays silent, and resumes on the vendor's command", async () => {
    const { shop, buyer } = setup();
    const owner = new Transcript(shop, buyer.vendor, OWNER);
    await play(buyer, [["HUMAIN", ["Je préviens Awa Couture"]]]);
    expect(buyer.lastNotice).toEqual({ to: OWNER, text: expect.stringContaining(`REPRENDRE ${BUYER}`) });
    expect(buyer.lastNotice!.text).toContain("Fatou");
    await play(buyer, [["ROBE1", "silence"]]);
    await play(owner, [
      ["reprendre", ["REPRENDRE suivi de son numéro"]],
      ["REPRENDRE 77 123 45 67", [`Le robot reprend la conversation avec ${BUYER}`]],
      [`REPRENDRE ${BUYER}`, ["n'était pas en pause"]],
    ]);
    await play(buyer, [["ROBE1", ["*Robe wax Ndeye*"]]]);
  });

  it("answers outside opening hours with the away message, once an hour, unless the vendor is live", async () => {
    const hours = {
      timeZone: "Africa/Dakar",
      weekly: { mon: ["09:00-18:00"], tue: ["09:00-18:00"], wed: ["09:00-11:00"], thu: ["09:00-18:00"] },
    };
    const { buyer } = setup({ openingHours: hours });
    await play(buyer, [
      ["ROBE1", ["Awa Couture est fermé pour le moment ; nous rouvrons demain à 09:00"]],
      ["allo ?", "silence"],
    ]);
    buyer.now = new Date("2026-11-25T13:01:00Z");
    await play(buyer, [["ROBE1", ["est fermé"]]]);
    buyer.now = new Date("2026-11-26T09:30:00Z");
    await play(buyer, [["ROBE1", ["*Robe wax Ndeye*"]]]);
    const live = setup({ openingHours: hours, liveMode: true, awayMessage: "Fermé !" });
    await play(live.buyer, [["ROBE1", ["*Robe wax Ndeye*"]]]);
    const custom = setup({ openingHours: hours, awayMessage: "On dort. À plus !" });
    await play(custom.buyer, [["salut", ["On dort. À plus !"]]]);
  });

  it("uses the vendor's own texts where it overrides them", async () => {
    const { buyer } = setup({ welcomeMessage: "Dalal ak jamm !", templates: { askQuantity: "Ñaata ? (1-{max})" } });
    await play(buyer, [
      ["salam", ["Dalal ak jamm !"]],
      ["ROBE1", ["Ñaata ? (1-5)"]],
    ]);
  });
});

describe("AlloPermet on awkward input", () => {
  it("answers a did-you-mean before the cart: OUI opens the product, NON keeps the cart", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 2", ["Total : *30 000 FCFA*"]],
      ["BOUBO1", ["Vouliez-vous dire *BOUBOU1* ?"]],
      ["oui", ["*Grand boubou brodé*"]],
      ["1", ["2 × Robe wax Ndeye", "1 × Grand boubou brodé", "Total : *75 000 FCFA*"]],
      ["BOUBO1", ["Vouliez-vous dire *BOUBOU1* ?"]],
      ["non", ["D'accord. Tapez le mot-clé exact"]],
      ["panier", ["Total : *75 000 FCFA*"]],
    ]);
    expect(shop.orders.size).toBe(0);
  });

  it("keeps asking for the same product after a bad quantity", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["ROBE1 9", ["Il ne reste que 5"]],
      ["2", ["2 × Robe wax Ndeye"]],
      ["ROBE1 0", ["de 1 à 5"]],
      ["3", ["3 × Robe wax Ndeye"]],
    ]);
  });

  it("finds a keyword inside a sentence or after a greeting", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["Bonjour, je veux ROBE1 svp", ["*Robe wax Ndeye*"]],
      ["salut boubou1 1", ["1 × Grand boubou brodé = 45 000 FCFA"]],
      ["Bonsoir Awa", ["bienvenue chez Awa Couture"]],
      ["Bonjour madame, comment allez-vous ?", ["bienvenue chez Awa Couture"]],
      ["je voudrais des robes", ["Vouliez-vous dire *ROBE1* ?"]],
    ]);
  });

  it("reads ANNULER with extra words as a plain cancel, and a typed reference as that order", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", ["Total"]],
      ["annuler svp", ["C'est annulé"]],
      ["ROBE1 1", ["Total"]],
      ["oui", ["CMD-TEST1"]],
    ]);
    await play(buyer, [["annule la commande", ["*CMD-TEST1* est annulée"]]]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("prefers keyword plus quantity when another keyword is the two run together", async () => {
    const shop = new MemoryShop([
      ...DEMO_PRODUCTS,
      { id: "robe12", keyword: "ROBE12", name: "Robe douze", price: 1, currency: "XOF", stock: 9, active: true },
    ]);
    const buyer = new Transcript(shop, vendorSettings());
    await play(buyer, [
      ["ROBE1 2", ["2 × Robe wax Ndeye"]],
      ["ROBE12", ["*Robe douze*"]],
    ]);
  });

  it("still shows and cancels the buyer's orders while the shop is closed", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", ["Total"]],
      ["oui", ["CMD-TEST1"]],
    ]);
    const closed = new Transcript(
      buyer.shop,
      vendorSettings({ openingHours: { timeZone: "Africa/Dakar", weekly: { sun: ["10:00-12:00"] } } }),
    );
    await play(closed, [
      ["ROBE1", ["est fermé pour le moment ; nous rouvrons dimanche à 10:00"]],
      ["COMMANDES", ["*CMD-TEST1*"]],
      ["ANNULER", ["*CMD-TEST1* est annulée"]],
    ]);
  });
});

describe("AlloPermet in English", () => {
  const en = {
    language: "en" as const,
    businessName: "Dakar Sneakers",
    paymentLinkTemplate: "https://livepay.tech/pay/{vendorId}/{reference}?amount={amount}",
  };

  it("takes an order from keyword to payment link", async () => {
    const { shop, buyer } = setup(en);
    await play(buyer, [
      ["hello", ["welcome to Dakar Sneakers"]],
      ["robe1", ["*Robe wax Ndeye*", "15 000 FCFA", "In stock: 5", "from 1 to 5"]],
      ["0", ["Reply with a number from 1 to 5"]],
      ["2", ["2 × Robe wax Ndeye = 30 000 FCFA", "Total: *30 000 FCFA*", "Reply YES"]],
      [
        "yes",
        [
          "Order *CMD-TEST1* reserved: 30 000 FCFA",
          "https://livepay.tech/pay/vendor_t/CMD-TEST1?amount=30000",
          "holds for 10 minutes (until 12:10)",
        ],
      ],
      ["orders", ["*CMD-TEST1*: 30 000 FCFA, reserved until 12:10"]],
      ["cancel", ["Order *CMD-TEST1* is cancelled"]],
      ["status", ["cancelled"]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("builds a cart, races the last unit, pages the menu, corrects a typo", async () => {
    const { shop, buyer } = setup(en);
    const other = new Transcript(shop, buyer.vendor, OTHER_BUYER);
    await play(buyer, [
      ["ROBE1 1", ["Total"]],
      ["BOUBOU1", ["In stock: 1"]],
      ["1", ["Total: *60 000 FCFA*"]],
      ["cart", ["60 000 FCFA"]],
    ]);
    await play(other, [["BOUBOU1 1", ["Total"]]]);
    const [first, second] = await Promise.all([other.send("YES"), buyer.send("YES")]);
    expect(first.map((text) => wordingKeyOf(text, "en"))).toEqual(["orderReserved"]);
    const keys = second.map((text) => wordingKeyOf(text, "en"));
    expect(keys, second.join("\n---\n")).toEqual(["notEnoughStock", "recap"]);
    const { lines } = expectWording(second[0], "notEnoughStock", {}, "en");
    expect(lines).toBe(wording("en")("shortageLine", { name: "Grand boubou brodé", available: 0 }));
    const recap = expectWording(second[1], "recap", {}, "en");
    expect(recap.lines).toBe(
      wording("en")("recapLine", { quantity: 1, name: "Robe wax Ndeye", amount: "15 000 FCFA" }),
    );
    await play(buyer, [["yes", ["reserved: 15 000 FCFA"]]]);
    await play(buyer, [
      ["menu", ["Catalogue (1/1)", "• BOUBOU1: Grand boubou brodé, 45 000 FCFA (sold out)"]],
      ["BOUBOU2", ["Did you mean *BOUBOU1*?"]],
    ]);
    await play(buyer, [
      ["help", ["Dakar Sneakers: here is what I understand", "CART", "ORDERS", "AGENT"]],
      ["what??", ["Sorry, I did not understand"]],
    ]);
  });

  it("hands off and resumes, answers away, and shows expiry", async () => {
    const { shop, buyer } = setup({
      ...en,
      openingHours: { timeZone: "Africa/Dakar", weekly: { sat: ["10:00-14:00"] } },
    });
    await play(buyer, [["hi", ["Dakar Sneakers is closed right now; we open again on Saturday at 10:00"]]]);
    buyer.now = new Date("2026-11-28T10:30:00Z");
    await play(buyer, [
      ["agent", ["I am letting Dakar Sneakers know"]],
      ["hello?", "silence"],
    ]);
    expect(buyer.lastNotice!.text).toContain(`RESUME ${BUYER}`);
    const owner = new Transcript(shop, buyer.vendor, OWNER);
    owner.now = buyer.now;
    await play(owner, [
      ["resume", ["RESUME followed by their number"]],
      [`resume ${BUYER}`, [`The bot is back in the conversation with ${BUYER}`]],
    ]);
    await play(buyer, [
      ["ROBE1 1", ["Total"]],
      ["yes", ["CMD-TEST1"]],
    ]);
    shop.expire("CMD-TEST1");
    await play(buyer, [["orders", ["expired"]]]);
  });
});
