import { describe, expect, it } from "vitest";
import { BasicChatEngine } from "../../src/engine/basic-engine";
import type { ChatEngineInput } from "../../src/engine/chat-engine";
import { formatPrice } from "../../src/engine/text";
import type { Product } from "../../src/model/product";

const products: Product[] = [
  { id: "robe1", keyword: "ROBE1", name: "Robe wax", price: 15000, currency: "XOF", stock: 3, active: true, imageUrl: "https://x.test/r.jpg" },
  { id: "sac1", keyword: "Sac-été", name: "Sac", price: 1250000, currency: "XOF", stock: 0, active: true },
];
const engine = new BasicChatEngine();

function input(text: string, overrides: Partial<ChatEngineInput["vendor"]> = {}): ChatEngineInput {
  return {
    vendor: { vendorId: "v1", businessName: "Awa Couture", language: "fr", ...overrides },
    state: {},
    message: { from: "+221771234567", text },
    catalog: { activeProducts: async () => products },
  };
}

describe("BasicChatEngine", () => {
  it("welcomes a greeting with the vendor's own message, else a default in its language", async () => {
    expect((await engine.handle(input("Bonjour !", { welcomeMessage: "Dalal ak jamm" }))).replies).toEqual([{ text: "Dalal ak jamm" }]);
    expect((await engine.handle(input("salam"))).replies[0]!.text).toContain("bienvenue chez Awa Couture");
    expect((await engine.handle(input("Nanga def ?"))).replies[0]!.text).toContain("Awa Couture");
    expect((await engine.handle(input("hello", { language: "en" }))).replies[0]!.text).toContain("welcome to Awa Couture");
  });

  it("lists what it understands on AIDE / HELP", async () => {
    const fr = await engine.handle(input("aide"));
    expect(fr.replies[0]!.text).toContain("ROBE1");
    expect(fr.state).toEqual({ lastIntent: "help" });
    const en = await engine.handle(input("HELP", { language: "en" }));
    expect(en.replies[0]!.text).toContain("here is what I understand");
  });

  it("sends a product card, as an image with caption, for a keyword in any case and accents", async () => {
    const { replies } = await engine.handle(input(" robe1 "));
    expect(replies).toEqual([{ text: expect.stringContaining("15 000 FCFA"), imageUrl: "https://x.test/r.jpg" }]);
    expect(replies[0]!.text).toContain("En stock : 3");
    expect((await engine.handle(input("SAC-ETE"))).replies[0]!.text).toContain("épuisé");
  });

  it("answers anything else briefly, pointing to AIDE", async () => {
    const { replies } = await engine.handle(input("je veux une robe rouge taille 40"));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain("AIDE");
    expect(replies[0]!.text.length).toBeLessThan(120);
  });
});

describe("formatPrice", () => {
  it("writes FCFA amounts as in Dakar", () => {
    expect(formatPrice(15000)).toBe("15 000 FCFA");
    expect(formatPrice(1250000, "XOF")).toBe("1 250 000 FCFA");
    expect(formatPrice(500)).toBe("500 FCFA");
    expect(formatPrice(20, "EUR")).toBe("20 EUR");
  });
});
