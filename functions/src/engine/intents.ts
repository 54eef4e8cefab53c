import { distance } from "fastest-levenshtein";
import type { Product } from "../model/product";
import { compactOfNormalized, normalizeText } from "./formatting";
import { intentText, readingOf } from "./message-reading";

/** What a buyer's message asks for, whatever the language the vendor answers in. */
export type Command =
  "help" | "menu" | "next" | "cart" | "orders" | "cancel" | "human" | "yes" | "no" | "place" | "zone" | "greeting";

const COMMAND_WORDS: Record<Exclude<Command, "greeting">, string[]> = {
  help: ["aide", "help", "?", "info", "infos", "comment"],
  menu: ["menu", "catalogue", "catalog", "produits", "products", "liste", "list"],
  next: ["suite", "suivant", "next", "more", "plus"],
  cart: ["panier", "cart", "basket", "mon panier", "my cart"],
  orders: [
    "commandes",
    "commande",
    "mes commandes",
    "statut",
    "status",
    "orders",
    "my orders",
    "order status",
    "suivi",
  ],
  cancel: ["annuler", "annule", "cancel"],
  human: [
    "humain",
    "agent",
    "conseiller",
    "conseillere",
    "vendeur",
    "vendeuse",
    "human",
    "operator",
    "person",
    "quelqu'un",
    "quelquun",
    "parler a quelqu'un",
    "talk to someone",
  ],
  yes: [
    "oui",
    "yes",
    "ok",
    "okay",
    "d'accord",
    "daccord",
    "confirmer",
    "confirme",
    "je confirme",
    "confirm",
    "waaw",
    "wawaw",
    "yep",
    "oui oui",
    "ouais",
  ],
  no: ["non", "no", "deedeet", "nope", "non merci", "no thanks"],
  place: [
    "place",
    "ma place",
    "file",
    "file d'attente",
    "attente",
    "position",
    "ma position",
    "waitlist",
    "my place",
    "queue",
    "where am i",
    "ou j'en suis",
    "ou j'en suis ?",
  ],
  zone: ["zone", "livraison", "changer zone", "changer de zone", "delivery", "change zone"],
};

const GREETINGS = new Set([
  "bonjour",
  "bonsoir",
  "salut",
  "slt",
  "coucou",
  "salam",
  "salaam",
  "salamalekum",
  "assalamualaikum",
  "hello",
  "hi",
  "hey",
  "good morning",
  "good evening",
  "nanga def",
  "na nga def",
  "mangi fi",
]);

/** "Oui !", " MENU ", "Mes commandes ?", "Bonjour madame" → the command; anything else → undefined. */
export function commandOf(message: string): { command: Command; argument?: string } | undefined {
  const reading = readingOf(message);
  const normalized = withoutTrailing(reading.normalized, "!.?,;:").trim();
  if (normalized === "?") return { command: "help" };
  for (const [command, phrases] of Object.entries(COMMAND_WORDS) as [Command, string[]][]) {
    if (phrases.includes(normalized)) return { command };
  }
  // "ANNULER CMD-7KQ2XA" names an order; "annuler svp", "annule tout" are a plain ANNULER.
  const [first, ...rest] = normalized.split(" ");
  if (first && rest.length > 0 && COMMAND_WORDS.cancel.includes(first)) {
    const reference = orderReferenceOf(rest.join(" "));
    return reference ? { command: "cancel", argument: reference } : { command: "cancel" };
  }
  const list = reading.words;
  if (list.length > 0 && list.length <= 8) {
    const [one, two] = list;
    if (GREETINGS.has(one!) || (two !== undefined && GREETINGS.has(`${one} ${two}`))) return { command: "greeting" };
  }
  return undefined;
}

/** Order references as buyers type them back: "cmd-7kq2xa", "CMD 7KQ2XA" → "CMD-7KQ2XA". */
export function orderReferenceOf(text: string): string | undefined {
  const compact = intentText(text)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "");
  const match = /^CMD([2-9A-HJ-NP-Z]{6})$/.exec(compact);
  return match ? `CMD-${match[1]}` : undefined;
}

// A Map, not an object literal: a buyer typing "constructor" or "__proto__" must not read the prototype.
const NUMBER_WORDS = new Map(
  Object.entries({
    un: 1,
    une: 1,
    one: 1,
    deux: 2,
    two: 2,
    trois: 3,
    three: 3,
    quatre: 4,
    four: 4,
    cinq: 5,
    five: 5,
    six: 6,
    sept: 7,
    seven: 7,
    huit: 8,
    eight: 8,
    neuf: 9,
    nine: 9,
    dix: 10,
    ten: 10,
  }),
);

/** "2", "x2", "2 pièces", "deux" → 2; anything else → undefined. */
export function quantityOf(text: string): number | undefined {
  const normalized = withoutTrailing(readingOf(text).normalized, "!.");
  const digits = /^(?:x\s*)?(\d{1,4})(?:\s*(?:x|pieces?|pcs?|articles?|unites?|items?))?$/.exec(normalized);
  if (digits) return Number(digits[1]);
  return NUMBER_WORDS.get(normalized);
}

/** Keywords compare without case, accents, spaces or punctuation: "robe 1", "Robe-1" and "ROBE1" match. */
export function compactKeyword(text: string): string {
  return compactOfNormalized(normalizeText(text));
}

/** "ROBE1", "robe 1", or with a quantity: "ROBE1 2", "ROBE1 x2" (even when a ROBE12 exists). */
export function productOf(products: Product[], message: string): { product: Product; quantity?: number } | undefined {
  const reading = readingOf(message);
  const wanted = reading.compact;
  if (wanted.length === 0) return undefined;
  const byKeyword = (typed: string) => products.find((candidate) => compactKeyword(candidate.keyword) === typed);
  const withQuantity = withTrailingCount(reading.normalized);
  const prefixed = withQuantity ? byKeyword(compactKeyword(withQuantity.lead)) : undefined;
  if (prefixed) return { product: prefixed, quantity: withQuantity!.count };
  const exact = byKeyword(wanted);
  return exact ? { product: exact } : undefined;
}

/** A keyword inside a sentence: "Bonjour, je veux ROBE1", "salut robe1 2", "je prends 2 robe 1". */
export function productMentioned(
  products: Product[],
  text: string,
): { product: Product; quantity?: number } | undefined {
  const tokens = readingOf(text).words;
  if (tokens.length > 15) return undefined;
  const byKeyword = (typed: string) => products.find((candidate) => compactKeyword(candidate.keyword) === typed);
  const count = (token: string | undefined) =>
    token !== undefined && /^\d{1,4}$/.test(token) ? Number(token) : undefined;
  for (let i = 0; i < tokens.length; i += 1) {
    for (const span of [1, 2]) {
      if (i + span > tokens.length) continue;
      const product = byKeyword(tokens.slice(i, i + span).join(""));
      if (!product) continue;
      const quantity = count(tokens[i + span]) ?? (i > 0 ? count(tokens[i - 1]) : undefined);
      return quantity === undefined ? { product } : { product, quantity };
    }
  }
  return undefined;
}

/** The product whose keyword the text most likely misspells ("ROBE11", "rob1"), if one is close. */
export function closestProduct(products: Product[], message: string): Product | undefined {
  const reading = readingOf(message);
  const whole = closestTo(products, reading.compact);
  if (whole) return whole;
  const tokens = reading.words;
  if (tokens.length > 6) return undefined;
  for (const token of tokens) {
    const close = closestTo(products, token);
    if (close) return close;
  }
  return undefined;
}

function closestTo(products: Product[], typed: string): Product | undefined {
  if (typed.length < 3 || typed.length > 24) return undefined;
  let best: { product: Product; distance: number } | undefined;
  for (const product of products) {
    const keyword = compactKeyword(product.keyword);
    const allowed = keyword.length <= 4 ? 1 : 2;
    const d = distance(typed, keyword);
    if (d <= allowed && (!best || d < best.distance)) best = { product, distance: d };
  }
  return best?.product;
}

/** The text without a trailing run of these characters; a loop, since `/[…]+$/` backtracks quadratically. */
function withoutTrailing(text: string, characters: string): string {
  let end = text.length;
  while (end > 0 && characters.includes(text[end - 1]!)) end -= 1;
  return text.slice(0, end);
}

/**
 * "robe1 2", "robe1 x2", "robe 1 x 2" (normalized: single spaces) → the lead ("robe1", "robe 1") and
 * the count: 1 to 4 trailing digits after " ", " x" or " x ". Read from the end in linear time; the
 * shortest lead wins, as with the lazy pattern `/^(.+?)\s+x?\s*(\d{1,4})$/` this replaces.
 */
function withTrailingCount(normalized: string): { lead: string; count: number } | undefined {
  let start = normalized.length;
  while (start > 0 && isAsciiDigit(normalized.charCodeAt(start - 1))) start -= 1;
  const digits = normalized.length - start;
  if (digits < 1 || digits > 4) return undefined;
  const before = normalized.slice(0, start);
  const separator = [" x ", " x", " "].find((candidate) => before.endsWith(candidate));
  const lead = separator === undefined ? "" : before.slice(0, before.length - separator.length);
  return lead.length > 0 ? { lead, count: Number(normalized.slice(start)) } : undefined;
}

function isAsciiDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
