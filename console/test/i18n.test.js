// The console's texts: both languages complete, every admin API error code said in each, the person's
// language chosen as documented.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ApiError } from "../src/api.js";
import { chooseLanguage, errorText, texts } from "../src/i18n.js";

const fr = texts("fr");
const en = texts("en");

/**
 * Every key of a text tree, as dotted paths.
 * @param {Record<string, unknown>} tree
 * @returns {string[]}
 */
function keysOf(tree, prefix = "") {
  return Object.entries(tree).flatMap(([key, value]) =>
    value !== null && typeof value === "object"
      ? keysOf(/** @type {Record<string, unknown>} */ (value), `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/** The codes of docs/reference.md's "Admin API errors" table. */
function documentedCodes() {
  const reference = readFileSync(new URL("../../docs/reference.md", import.meta.url), "utf8");
  const section = reference.split("### Admin API errors")[1]?.split(/\n##+ /)[0] ?? "";
  return [...section.matchAll(/^\| \d{3} \| `([a-z_]+)` \|/gm)].map((match) => match[1] ?? "");
}

describe("the console's texts", () => {
  it("has every text in both languages", () => {
    assert.deepEqual(keysOf(en).sort(), keysOf(fr).sort());
    for (const [key, value] of Object.entries(en)) assert.notEqual(value, "", key);
  });

  it("says every documented admin API error in both languages", () => {
    const codes = documentedCodes();
    assert.ok(codes.length > 30, `read ${codes.length} codes from docs/reference.md`);
    for (const code of codes) {
      assert.ok(fr.errors[code], `fr: ${code}`);
      assert.ok(en.errors[code], `en: ${code}`);
    }
  });

  it("chooses the person's saved language, else their browser's first known one, else French", () => {
    assert.equal(chooseLanguage("en", ["fr-SN"]), "en");
    assert.equal(chooseLanguage(null, ["wo-SN", "en-GB", "fr"]), "en");
    assert.equal(chooseLanguage(undefined, ["fr-FR", "en"]), "fr");
    assert.equal(chooseLanguage("de", ["wo"]), "fr");
  });

  it("shows a server error in the person's language by its code, with the details it carries", () => {
    const duplicate = new ApiError(409, "duplicate_keyword", "The keyword ... (English)", {
      productId: "robe1",
      keyword: "ROBE1",
      name: "Robe wax",
    });
    assert.equal(
      errorText(fr, duplicate),
      "Le mot-clé « ROBE1 » est déjà celui de « Robe wax » (produit robe1) : les clients ne pourraient pas les distinguer.",
    );
    assert.match(errorText(en, duplicate), /^The keyword "ROBE1" is already that of "Robe wax" \(product robe1\)/);
    const invalid = new ApiError(400, "invalid_product", "The product is not valid.", {
      problems: ["price: too small"],
    });
    assert.equal(errorText(fr, invalid), "Le produit n'est pas valide. price: too small");
  });

  it("names an unknown code, and says when the server did not answer at all", () => {
    assert.equal(
      errorText(en, new ApiError(418, "teapot", "I am a teapot")),
      "The server refused the request. (teapot: I am a teapot)",
    );
    assert.equal(errorText(fr, new TypeError("Failed to fetch")), fr.serverSilent);
  });
});
