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
