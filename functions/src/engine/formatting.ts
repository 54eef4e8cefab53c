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
  return wordsOfNormalized(normalizeText(text));
}

/** `words`, for text `normalizeText` already gave. */
export function wordsOfNormalized(normalized: string): string[] {
  return normalized.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
}

/** Letters and digits only, for text `normalizeText` already gave: "sac-ete 2" -> "sacete2". */
export function compactOfNormalized(normalized: string): string {
  return normalized.replace(/[^\p{L}\p{N}]+/gu, "");
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
