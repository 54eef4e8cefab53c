/**
 * How much of a buyer's message the engine reads for intents: the first 1,000 characters (UTF-16 code
 * units) after leading whitespace. A WhatsApp text can be 64 KB; commands, keywords and quantities fit
 * in a few words, so reading further only costs time another buyer of the same vendor waits for.
 */
export const INTENT_TEXT_LIMIT = 1_000;

/**
 * The part of a message every intent parser reads: leading whitespace skipped, at most
 * INTENT_TEXT_LIMIT characters, trailing whitespace dropped. The same answer for text already bounded,
 * so parsers can call it on what they are given. A cut never splits a surrogate pair.
 */
export function intentText(text: string): string {
  const start = text.trimStart();
  if (start.length <= INTENT_TEXT_LIMIT) return start.trimEnd();
  let end = INTENT_TEXT_LIMIT;
  if (isHighSurrogate(start.charCodeAt(end - 1)) && isLowSurrogate(start.charCodeAt(end))) end -= 1;
  return start.slice(0, end).trimEnd();
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Lower case, no accents, single spaces: "  Bonjour, ÉLÈVE! " -> "bonjour, eleve!". */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** Words only, for intent matching: "Salut !!" -> ["salut"]. */
export function words(text: string): string[] {
  return normalizeText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/**
 * Prices as people in Dakar write them: "15 000 FCFA" (spaces between thousands, no decimals).
 * XOF and XAF are both shown as FCFA; any other currency keeps its code.
 */
export function formatPrice(amount: number, currency = "XOF"): string {
  const grouped = Math.round(amount)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  const unit = currency === "XOF" || currency === "XAF" ? "FCFA" : currency;
  return `${grouped} ${unit}`;
}
