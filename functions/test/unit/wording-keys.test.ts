import { describe, expect, it } from "vitest";
import { TEMPLATE_KEYS } from "../../src/model/templates";
import { expectWording, wording, wordingKeyOf, wordingValuesOf } from "../support/wording";

describe("the tests' wording matcher", () => {
  it("names each default template filled with values, in both languages", () => {
    const values = {
      shop: "Awa",
      name: "Robe",
      price: "15 000 FCFA",
      description: "",
      stock: 3,
      max: 3,
      reference: "CMD-ABC123",
      total: "30 000 FCFA",
      link: "https://pay.test/x",
      minutes: 10,
      expiresAt: "12:10",
      lines: "• a\n• b",
      text: "zzz",
    };
    for (const language of ["fr", "en"] as const) {
      const say = wording(language);
      for (const key of TEMPLATE_KEYS) {
        const found = wordingKeyOf(say(key, values), language);
        // Two templates may read alike once filled; the one found must at least produce the same text.
        if (found !== key) expect(say(found!, values)).toBe(say(key, values));
      }
    }
  });

  it("tells a reservation from a shortage, and finds nothing in an unrelated sentence", () => {
    const say = wording("fr");
    expect(
      wordingKeyOf(
        say("orderReserved", { reference: "CMD-X", total: "1 FCFA", link: "l", minutes: 5, expiresAt: "t" }),
      ),
    ).toBe("orderReserved");
    expect(wordingKeyOf(say("notEnoughStock", { lines: "• *Robe* : il en reste 0" }))).toBe("notEnoughStock");
    expect(wordingKeyOf("Texte sans rapport")).toBeUndefined();
  });

  it("reads back the values a template was filled with, and fails on a wrong key or a wrong value", () => {
    const say = wording("fr");
    const values = {
      reference: "CMD-ABC123",
      total: "30 000 FCFA",
      link: "https://pay.test/x?a=1",
      minutes: 10,
      expiresAt: "12:10",
    };
    const reserved = say("orderReserved", values);
    expect(wordingValuesOf(reserved, "orderReserved")).toEqual({ ...values, minutes: "10" });
    expect(wordingValuesOf(reserved, "paymentThanks")).toBeUndefined();
    // A placeholder used twice must carry the same value both times.
    expect(wordingValuesOf(say("quantityTooHigh", { name: "Robe", max: 3 }), "quantityTooHigh")).toEqual({
      name: "Robe",
      max: "3",
    });
    expect(
      wordingValuesOf("Il ne reste que 3 *Robe*. Répondez par un nombre de 1 à 4.", "quantityTooHigh"),
    ).toBeUndefined();
    // A description left empty takes its line with it.
    const card = say("productCard", { name: "Robe", price: "15 000 FCFA", stock: 5, description: "" });
    expect(wordingValuesOf(card, "productCard")).toEqual({
      name: "Robe",
      price: "15 000 FCFA",
      description: "",
      stock: "5",
    });

    expect(expectWording(reserved, "orderReserved", { total: "30 000 FCFA", minutes: 10 }).reference).toBe(
      "CMD-ABC123",
    );
    expect(() => expectWording(reserved, "orderReserved", { total: "15 000 FCFA" })).toThrow();
    expect(() => expectWording(reserved, "orderReserved", { reference: "CMD-ZZZ999" })).toThrow();
    expect(() => expectWording(reserved, "paymentThanks")).toThrow();
    expect(() => expectWording(undefined, "nothingToCancel")).toThrow();
  });
});
