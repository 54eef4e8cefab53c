import { expect } from "vitest";
import type { Language } from "../../src/model/vendor-config";
import type { TemplateKey } from "../../src/model/templates";
import { DEFAULT_TEMPLATES, textBook } from "../../src/engine/wording";

/**
 * What the buyer is told, named by the engine's wording keys rather than copied sentences: a test
 * asserts "the buyer got `orderReserved`" (with these values), and a rewording of the French text does
 * not break it while a wrong answer still does.
 */
export const wording = (language: Language = "fr") => textBook(language);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function pattern(template: string): RegExp {
  // Each placeholder matches any value; one alone on its line may take the line with it (see `fill`).
  const source = template
    .split("\n")
    .map((line, i) => {
      const body = line
        .split(/\{[A-Za-z]+\}/)
        .map(escape)
        .join("[\\s\\S]*?");
      if (i === 0) return body;
      return /^\s*\{[A-Za-z]+\}\s*$/.test(line) ? `(?:\\n${body})?` : `\\n${body}`;
    })
    .join("");
  return new RegExp(`^${source}$`);
}

/** The wording key whose default template produced `text` (the vendor's language), or undefined. */
export function wordingKeyOf(text: string, language: Language = "fr"): TemplateKey | undefined {
  const templates = DEFAULT_TEMPLATES[language];
  const keys = (Object.keys(templates) as TemplateKey[]).filter((key) => pattern(templates[key]).test(text));
  // A template that is all placeholder (none today) would match anything: the most specific wins.
  return keys.sort((a, b) => templates[b].length - templates[a].length)[0];
}

/**
 * The values a default template was filled with to give `text`, by placeholder name, or undefined when
 * `text` is not that template's: a test reads a reference or an expiry it cannot know beforehand, then
 * compares the whole text with `wording(language)(key, values)`.
 */
export function wordingValuesOf(
  text: string,
  key: TemplateKey,
  language: Language = "fr",
): Record<string, string> | undefined {
  const seen = new Set<string>();
  const group = (name: string) => {
    if (seen.has(name)) return `\\k<${name}>`;
    seen.add(name);
    return `(?<${name}>[\\s\\S]*?)`;
  };
  const source = DEFAULT_TEMPLATES[language][key]
    .split("\n")
    .map((line, i) => {
      const body = line.replace(
        /\{([A-Za-z]+)\}|([^{]+|\{)/g,
        (_, name: string | undefined, plain: string | undefined) => (name ? group(name) : escape(plain ?? "")),
      );
      if (i === 0) return body;
      return /^\s*\{[A-Za-z]+\}\s*$/.test(line) ? `(?:\\n${body})?` : `\\n${body}`;
    })
    .join("");
  const groups = new RegExp(`^${source}$`).exec(text)?.groups;
  if (!groups) return undefined;
  return Object.fromEntries(Object.entries(groups).map(([name, value]) => [name, value ?? ""]));
}

/**
 * Asserts that the buyer was told `key`, filled with `values`: the wording key first (a clear failure
 * when the answer is another one), then the whole text the engine's wording gives for those values.
 * Values a test cannot know beforehand (a reference, an expiry time) are read from the text and returned.
 */
export function expectWording(
  text: string | undefined,
  key: TemplateKey,
  values: Record<string, string | number> = {},
  language: Language = "fr",
): Record<string, string> {
  expect(wordingKeyOf(text ?? "", language), text).toBe(key);
  const read = wordingValuesOf(text ?? "", key, language) ?? {};
  expect(text).toBe(wording(language)(key, { ...read, ...values }));
  return read;
}

/**
 * A list the engine writes one template per row, joined line by line (a recap's, an order list's or a
 * catalogue page's `{lines}`).
 */
export function wordingLines(
  key: TemplateKey,
  rows: Record<string, string | number>[],
  language: Language = "fr",
): string {
  return rows.map((row) => wording(language)(key, row)).join("\n");
}

/**
 * Asserts a product card: the engine sends `productCard` and `askQuantity` as one caption, a blank line
 * between them (neither template holds a blank line), the quantity asked for up to the stock. A
 * `description` given ("" for none) is compared too; left out, it is read from the text.
 */
export function expectProductCard(
  text: string | undefined,
  product: { name: string; price: string; stock: number; keyword: string; description?: string },
  language: Language = "fr",
): void {
  const { keyword, ...card } = product;
  const parts = (text ?? "").split("\n\n");
  expect(parts, text).toHaveLength(2);
  expectWording(parts[0], "productCard", card, language);
  expectWording(parts[1], "askQuantity", { max: product.stock, keyword }, language);
}
