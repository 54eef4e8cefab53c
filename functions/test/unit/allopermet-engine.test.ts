import { describe, expect, it } from "vitest";
import { expectProductCard, expectWording, wording, wordingKeyOf, wordingLines } from "../support/wording";
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
import type { Language } from "../../src/model/vendor-config";
import type { TemplateKey } from "../../src/model/templates";

/** One message of the bot's answer, checked in the vendor's language. */
type Reply = (text: string, language: Language) => void;
type Line = [buyer: string, bot: Reply[] | "silence"];
type Values = Record<string, string | number>;

/**
 * Plays a transcript: each buyer line, then the bot's answer, message by message, named by wording key
 * and the values that fill it (a reworded template does not break a test; a wrong answer does).
 */
async function play(transcript: Transcript, lines: Line[]): Promise<void> {
  for (const [buyer, expected] of lines) {
    const replies = await transcript.send(buyer);
    if (expected === "silence") {
      expect(replies, `after "${buyer}"`).toEqual([]);
      continue;
    }
    expect(replies, `after "${buyer}"`).toHaveLength(expected.length);
    expected.forEach((reply, i) => reply(replies[i]!, transcript.vendor.language));
  }
}

/** The bot said `key` with these values (the others, such as an expiry time, read from the text). */
const says =
  (key: TemplateKey, values: Values = {}): Reply =>
  (text, language) => {
    expectWording(text, key, values, language);
  };

/** The vendor's own text, word for word. */
const exactly =
  (own: string): Reply =>
  (text) => {
    expect(text).toBe(own);
  };

const ROBE = {
  name: "Robe wax Ndeye",
  price: "15 000 FCFA",
  stock: 5,
  keyword: "ROBE1",
  description: "Robe longue en wax.",
};
const BOUBOU = { name: "Grand boubou brodé", price: "45 000 FCFA", stock: 1, keyword: "BOUBOU1", description: "" };

/** A product card and its question for the quantity. */
const card =
  (product: typeof ROBE): Reply =>
  (text, language) =>
    expectProductCard(text, product, language);

type CartLine = { quantity: number; name: string; amount: string };

/** The cart's recap: one line per product, then the total. */
const recap =
  (total: string, ...items: CartLine[]): Reply =>
  (text, language) => {
    expectWording(text, "recap", { lines: wordingLines("recapLine", items, language), total }, language);
  };

/** An order reserved, with its payment link and its 10 minutes (the expiry time read from the text). */
const reserved = (reference: string, total: string, link: string): Reply =>
  says("orderReserved", { reference, total, link, minutes: 10 });

type OrderRow = { reference: string; total: string; status: TemplateKey; values?: Values };

/** The buyer's orders, each with its status. */
const orders =
  (...rows: OrderRow[]): Reply =>
  (text, language) => {
    const lines = rows.map(({ reference, total, status, values }) => ({
      reference,
      total,
      status: wording(language)(status, values),
    }));
    expectWording(text, "ordersList", { lines: wordingLines("orderLine", lines, language) }, language);
  };

type MenuRow = { keyword: string; name: string; price: string; stock: number };

/** A catalogue page: a line per product (sold out or with its stock), and SUITE when more follow. */
const menu =
  (page: number, pages: number, ...rows: MenuRow[]): Reply =>
  (text, language) => {
    const lines = rows.map((row) => wording(language)(row.stock > 0 ? "menuLine" : "menuLineSoldOut", row));
    if (page < pages) lines.push(wording(language)("menuMore"));
    expectWording(text, "menuPage", { page, pages, lines: lines.join("\n") }, language);
  };

const robe = (quantity: number, amount: string): CartLine => ({ quantity, name: ROBE.name, amount });
const boubou = (quantity: number, amount: string): CartLine => ({ quantity, name: BOUBOU.name, amount });
const WAVE = (amount: number, reference = "CMD-TEST1") =>
  `https://pay.wave.com/m/M_sn_awa?amount=${amount}&ref=${reference}`;
const LIVEPAY = (amount: number, reference = "CMD-TEST1") =>
  `https://livepay.tech/pay/vendor_t/${reference}?amount=${amount}`;

function setup(overrides: Partial<EngineVendor> = {}) {
  const shop = new MemoryShop(DEMO_PRODUCTS);
  return { shop, buyer: new Transcript(shop, vendorSettings(overrides)) };
}

describe("AlloPermet in French (the default)", () => {
  const SHOP = "Awa Couture";

  it("takes an order from keyword to payment link", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["Bonjour", [says("welcome", { shop: SHOP })]],
      ["robe1", [card(ROBE)]],
    ]);
    expect(buyer.lastImages).toEqual(["https://img.test/robe1.jpg"]);
    await play(buyer, [
      ["9", [says("waitlistShortOffer", { max: 5, name: ROBE.name, quantity: 9 })]],
      ["deux", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      [
        "Oui",
        [
          says("orderReserved", {
            reference: "CMD-TEST1",
            total: "30 000 FCFA",
            link: WAVE(30000),
            minutes: 10,
            expiresAt: "12:10",
          }),
        ],
      ],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(3);
    await play(buyer, [
      [
        "COMMANDES",
        [
          orders({
            reference: "CMD-TEST1",
            total: "30 000 FCFA",
            status: "statusReserved",
            values: { expiresAt: "12:10", link: WAVE(30000) },
          }),
        ],
      ],
    ]);
  });

  it("matches keywords whatever the case, accents, spaces or a quantity in the same message", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["  Robe 1 ", [card(ROBE)]],
      ["SAC-ETE", [says("waitlistOffer", { name: "Sac en cuir", quantity: 1 })]],
      ["ROBE1 x3", [recap("45 000 FCFA", robe(3, "45 000 FCFA"))]],
      ["ancien", [says("notUnderstood", { text: "ancien" })]],
    ]);
  });

  it("puts several products in one cart and orders them together", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1", [card(ROBE)]],
      ["1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["BOUBOU1", [card(BOUBOU)]],
      ["1", [recap("60 000 FCFA", robe(1, "15 000 FCFA"), boubou(1, "45 000 FCFA"))]],
      ["panier", [recap("60 000 FCFA", robe(1, "15 000 FCFA"), boubou(1, "45 000 FCFA"))]],
      ["ROBE1", [card(ROBE)]],
      ["2", [recap("75 000 FCFA", robe(2, "30 000 FCFA"), boubou(1, "45 000 FCFA"))]],
      ["OUI", [reserved("CMD-TEST1", "75 000 FCFA", WAVE(75000))]],
      ["PANIER", [says("cartEmpty")]],
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
      ["BOUBOU1", [card(BOUBOU)]],
      ["1", [recap("45 000 FCFA", boubou(1, "45 000 FCFA"))]],
    ]);
    await play(other, [
      ["BOUBOU1", [card(BOUBOU)]],
      ["1", [recap("45 000 FCFA", boubou(1, "45 000 FCFA"))]],
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
      ["ROBE1 2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      ["NON", [says("cartCleared")]],
      ["NON", [says("cartEmpty")]],
      ["ROBE1 2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      ["oui", [reserved("CMD-TEST1", "30 000 FCFA", WAVE(30000))]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(3);
    await play(buyer, [
      ["ANNULER", [says("orderCancelled", { reference: "CMD-TEST1" })]],
      ["annuler", [says("nothingToCancel")]],
      ["statut", [orders({ reference: "CMD-TEST1", total: "30 000 FCFA", status: "statusCancelled" })]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("tells the buyer an expired reservation's state", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["OUI", [reserved("CMD-TEST1", "15 000 FCFA", WAVE(15000))]],
    ]);
    shop.expire("CMD-TEST1");
    expect(shop.products.get("robe1")!.stock).toBe(5);
    await play(buyer, [
      ["commandes", [orders({ reference: "CMD-TEST1", total: "15 000 FCFA", status: "statusExpired" })]],
      ["annuler", [says("nothingToCancel")]],
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
    const article = (n: number): MenuRow => ({
      keyword: `ART${n}`,
      name: `Article ${n}`,
      price: `${n} 000 FCFA`,
      stock: n - 1,
    });
    const firstPage = menu(1, 2, ...[1, 2, 3, 4, 5, 6].map(article));
    await play(buyer, [
      ["menu", [firstPage]],
      [
        "suite",
        [
          menu(
            2,
            2,
            article(7),
            article(8),
            { ...BOUBOU, stock: 1 },
            { ...ROBE, stock: 5 },
            { keyword: "SAC-ÉTÉ", name: "Sac en cuir", price: "12 500 FCFA", stock: 0 },
          ),
        ],
      ],
      ["suite", [firstPage]],
      ["ROBEE1", [says("didYouMean", { keyword: "ROBE1" })]],
      ["oui", [card(ROBE)]],
      ["bla bla", [says("quantityInvalid", { max: 5 })]],
    ]);
    const fresh = new Transcript(shop, vendorSettings());
    await play(fresh, [
      [
        "je veux une robe rouge taille 40 svp",
        [says("notUnderstood", { text: "je veux une robe rouge taille 40 svp" })],
      ],
    ]);
    const [reply] = await fresh.send("Est-ce que vous livrez à Thiès demain matin ou pas du tout ?");
    expect(reply!.length).toBeLessThan(160);
  });

  it("lists what it understands on AIDE", async () => {
    const { buyer } = setup();
    await play(buyer, [["aide", [says("help", { shop: SHOP, examples: "BOUBOU1, ROBE1" })]]]);
  });

  it("hands off to a person, tells the vendor, stays silent, and resumes on the vendor's command", async () => {
    const { shop, buyer } = setup();
    const owner = new Transcript(shop, buyer.vendor, OWNER);
    await play(buyer, [["HUMAIN", [says("handoffStarted", { shop: SHOP })]]]);
    expect(buyer.lastNotice?.to).toBe(OWNER);
    expectWording(buyer.lastNotice?.text, "handoffOwnerNotice", {
      name: "Fatou",
      customer: BUYER,
      text: "HUMAIN",
      resume: `REPRENDRE ${BUYER}`,
    });
    await play(buyer, [["ROBE1", "silence"]]);
    await play(owner, [
      ["reprendre", [says("resumeUsage")]],
      ["REPRENDRE 77 123 45 67", [says("resumeDone", { customer: BUYER })]],
      [`REPRENDRE ${BUYER}`, [says("resumeNotPaused", { customer: BUYER })]],
    ]);
    await play(buyer, [["ROBE1", [card(ROBE)]]]);
  });

  it("answers outside opening hours with the away message, once an hour, unless the vendor is live", async () => {
    const hours = {
      timeZone: "Africa/Dakar",
      weekly: { mon: ["09:00-18:00"], tue: ["09:00-18:00"], wed: ["09:00-11:00"], thu: ["09:00-18:00"] },
    };
    const away = says("away", { shop: SHOP, opensAt: "demain à 09:00" });
    const { buyer } = setup({ openingHours: hours });
    await play(buyer, [
      ["ROBE1", [away]],
      ["allo ?", "silence"],
    ]);
    buyer.now = new Date("2026-11-25T13:01:00Z");
    await play(buyer, [["ROBE1", [away]]]);
    buyer.now = new Date("2026-11-26T09:30:00Z");
    await play(buyer, [["ROBE1", [card(ROBE)]]]);
    const live = setup({ openingHours: hours, liveMode: true, awayMessage: "Fermé !" });
    await play(live.buyer, [["ROBE1", [card(ROBE)]]]);
    const custom = setup({ openingHours: hours, awayMessage: "On dort. À plus !" });
    await play(custom.buyer, [["salut", [exactly("On dort. À plus !")]]]);
  });

  it("uses the vendor's own texts where it overrides them", async () => {
    const { buyer } = setup({ welcomeMessage: "Dalal ak jamm !", templates: { askQuantity: "Ñaata ? (1-{max})" } });
    const { keyword: _keyword, ...robeCard } = ROBE;
    await play(buyer, [
      ["salam", [exactly("Dalal ak jamm !")]],
      ["ROBE1", [exactly(`${wording()("productCard", robeCard)}\n\nÑaata ? (1-5)`)]],
    ]);
  });
});

describe("AlloPermet on awkward input", () => {
  it("answers a did-you-mean before the cart: OUI opens the product, NON keeps the cart", async () => {
    const { shop, buyer } = setup();
    const cart = recap("75 000 FCFA", robe(2, "30 000 FCFA"), boubou(1, "45 000 FCFA"));
    await play(buyer, [
      ["ROBE1 2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      ["BOUBO1", [says("didYouMean", { keyword: "BOUBOU1" })]],
      ["oui", [card(BOUBOU)]],
      ["1", [cart]],
      ["BOUBO1", [says("didYouMean", { keyword: "BOUBOU1" })]],
      ["non", [says("suggestionDeclined")]],
      ["panier", [cart]],
    ]);
    expect(shop.orders.size).toBe(0);
  });

  it("keeps asking for the same product after a bad quantity", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["ROBE1 9", [says("waitlistShortOffer", { max: 5, name: ROBE.name, quantity: 9 })]],
      ["2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      ["ROBE1 0", [says("quantityInvalid", { max: 5 })]],
      ["3", [recap("45 000 FCFA", robe(3, "45 000 FCFA"))]],
    ]);
  });

  it("finds a keyword inside a sentence or after a greeting", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["Bonjour, je veux ROBE1 svp", [card(ROBE)]],
      ["salut boubou1 1", [recap("45 000 FCFA", boubou(1, "45 000 FCFA"))]],
      ["Bonsoir Awa", [says("welcome", { shop: "Awa Couture" })]],
      ["Bonjour madame, comment allez-vous ?", [says("welcome", { shop: "Awa Couture" })]],
      ["je voudrais des robes", [says("didYouMean", { keyword: "ROBE1" })]],
    ]);
  });

  it("reads ANNULER with extra words as a plain cancel, and a typed reference as that order", async () => {
    const { shop, buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["annuler svp", [says("cartCleared")]],
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["oui", [reserved("CMD-TEST1", "15 000 FCFA", WAVE(15000))]],
    ]);
    await play(buyer, [["annule la commande", [says("orderCancelled", { reference: "CMD-TEST1" })]]]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("prefers keyword plus quantity when another keyword is the two run together", async () => {
    const shop = new MemoryShop([
      ...DEMO_PRODUCTS,
      { id: "robe12", keyword: "ROBE12", name: "Robe douze", price: 1, currency: "XOF", stock: 9, active: true },
    ]);
    const buyer = new Transcript(shop, vendorSettings());
    await play(buyer, [
      ["ROBE1 2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      ["ROBE12", [card({ name: "Robe douze", price: "1 FCFA", stock: 9, keyword: "ROBE12", description: "" })]],
    ]);
  });

  it("still shows and cancels the buyer's orders while the shop is closed", async () => {
    const { buyer } = setup();
    await play(buyer, [
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["oui", [reserved("CMD-TEST1", "15 000 FCFA", WAVE(15000))]],
    ]);
    const closed = new Transcript(
      buyer.shop,
      vendorSettings({ openingHours: { timeZone: "Africa/Dakar", weekly: { sun: ["10:00-12:00"] } } }),
    );
    await play(closed, [
      ["ROBE1", [says("away", { shop: "Awa Couture", opensAt: "dimanche à 10:00" })]],
      [
        "COMMANDES",
        [
          orders({
            reference: "CMD-TEST1",
            total: "15 000 FCFA",
            status: "statusReserved",
            values: { expiresAt: "12:10", link: WAVE(15000) },
          }),
        ],
      ],
      ["ANNULER", [says("orderCancelled", { reference: "CMD-TEST1" })]],
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
      ["hello", [says("welcome", { shop: "Dakar Sneakers" })]],
      ["robe1", [card(ROBE)]],
      ["0", [says("quantityInvalid", { max: 5 })]],
      ["2", [recap("30 000 FCFA", robe(2, "30 000 FCFA"))]],
      [
        "yes",
        [
          says("orderReserved", {
            reference: "CMD-TEST1",
            total: "30 000 FCFA",
            link: LIVEPAY(30000),
            minutes: 10,
            expiresAt: "12:10",
          }),
        ],
      ],
      [
        "orders",
        [
          orders({
            reference: "CMD-TEST1",
            total: "30 000 FCFA",
            status: "statusReserved",
            values: { expiresAt: "12:10", link: LIVEPAY(30000) },
          }),
        ],
      ],
      ["cancel", [says("orderCancelled", { reference: "CMD-TEST1" })]],
      ["status", [orders({ reference: "CMD-TEST1", total: "30 000 FCFA", status: "statusCancelled" })]],
    ]);
    expect(shop.products.get("robe1")!.stock).toBe(5);
  });

  it("builds a cart, races the last unit, pages the menu, corrects a typo", async () => {
    const { shop, buyer } = setup(en);
    const other = new Transcript(shop, buyer.vendor, OTHER_BUYER);
    await play(buyer, [
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["BOUBOU1", [card(BOUBOU)]],
      ["1", [recap("60 000 FCFA", robe(1, "15 000 FCFA"), boubou(1, "45 000 FCFA"))]],
      ["cart", [recap("60 000 FCFA", robe(1, "15 000 FCFA"), boubou(1, "45 000 FCFA"))]],
    ]);
    await play(other, [["BOUBOU1 1", [recap("45 000 FCFA", boubou(1, "45 000 FCFA"))]]]);
    const [first, second] = await Promise.all([other.send("YES"), buyer.send("YES")]);
    expect(first.map((text) => wordingKeyOf(text, "en"))).toEqual(["orderReserved"]);
    const keys = second.map((text) => wordingKeyOf(text, "en"));
    expect(keys, second.join("\n---\n")).toEqual(["notEnoughStock", "recap"]);
    const { lines } = expectWording(second[0], "notEnoughStock", {}, "en");
    expect(lines).toBe(wording("en")("shortageLine", { name: "Grand boubou brodé", available: 0 }));
    const recapValues = expectWording(second[1], "recap", {}, "en");
    expect(recapValues.lines).toBe(
      wording("en")("recapLine", { quantity: 1, name: "Robe wax Ndeye", amount: "15 000 FCFA" }),
    );
    await play(buyer, [["yes", [reserved("CMD-TEST2", "15 000 FCFA", LIVEPAY(15000, "CMD-TEST2"))]]]);
    await play(buyer, [
      [
        "menu",
        [
          menu(
            1,
            1,
            { ...BOUBOU, stock: 0 },
            { ...ROBE, stock: 4 },
            { keyword: "SAC-ÉTÉ", name: "Sac en cuir", price: "12 500 FCFA", stock: 0 },
          ),
        ],
      ],
      ["BOUBOU2", [says("didYouMean", { keyword: "BOUBOU1" })]],
    ]);
    await play(buyer, [
      ["help", [says("help", { shop: "Dakar Sneakers", examples: "ROBE1" })]],
      ["what??", [says("notUnderstood", { text: "what??" })]],
    ]);
  });

  it("hands off and resumes, answers away, and shows expiry", async () => {
    const { shop, buyer } = setup({
      ...en,
      openingHours: { timeZone: "Africa/Dakar", weekly: { sat: ["10:00-14:00"] } },
    });
    await play(buyer, [["hi", [says("away", { shop: "Dakar Sneakers", opensAt: "on Saturday at 10:00" })]]]);
    buyer.now = new Date("2026-11-28T10:30:00Z");
    await play(buyer, [
      ["agent", [says("handoffStarted", { shop: "Dakar Sneakers" })]],
      ["hello?", "silence"],
    ]);
    expectWording(
      buyer.lastNotice?.text,
      "handoffOwnerNotice",
      { name: "Fatou", customer: BUYER, text: "agent", resume: `RESUME ${BUYER}` },
      "en",
    );
    const owner = new Transcript(shop, buyer.vendor, OWNER);
    owner.now = buyer.now;
    await play(owner, [
      ["resume", [says("resumeUsage")]],
      [`resume ${BUYER}`, [says("resumeDone", { customer: BUYER })]],
    ]);
    await play(buyer, [
      ["ROBE1 1", [recap("15 000 FCFA", robe(1, "15 000 FCFA"))]],
      ["yes", [reserved("CMD-TEST1", "15 000 FCFA", LIVEPAY(15000))]],
    ]);
    shop.expire("CMD-TEST1");
    await play(buyer, [
      ["orders", [orders({ reference: "CMD-TEST1", total: "15 000 FCFA", status: "statusExpired" })]],
    ]);
  });
});
