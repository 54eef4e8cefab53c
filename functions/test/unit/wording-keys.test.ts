import { describe, expect, it } from "vitest";
import { TEMPLATE_KEYS } from "../../src/model/templates";
import { wording, wordingKeyOf } from "../support/wording";

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
});
