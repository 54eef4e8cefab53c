import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** Senegal first: LivePay's operators and buyers are there. */
export const DEFAULT_COUNTRY: CountryCode = "SN";

/**
 * The numbers normalized lately: every webhook request normalizes its sender, and a live's buyers write
 * again and again; parsing one costs some 10 µs, a hit well under one. Oldest first out.
 */
const recent = new Map<string, string | undefined>();
const RECENT_MAX = 10_000;
/** Longer inputs are not phone numbers as anyone writes them: parsed, never kept. */
const RECENT_INPUT_MAX = 32;

/**
 * Normalizes what an operator typed or Wasender sent ("77 123 45 67", "00221...", "+221 ...",
 * "221771234567") to E.164, or undefined when it is not a possible phone number.
 */
export function toE164(input: string, defaultCountry: CountryCode = DEFAULT_COUNTRY): string | undefined {
  const key = `${defaultCountry} ${input}`;
  if (recent.has(key)) return recent.get(key);
  const trimmed = input.trim().replace(/^00/, "+");
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  const e164 = parsed?.isPossible() ? parsed.number : undefined;
  if (input.length > RECENT_INPUT_MAX) return e164;
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(key, e164);
  return e164;
}

/** Wasender's bare international digits ("221771234567") to E.164; never guesses a country. */
export function digitsToE164(digits: string): string | undefined {
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  return toE164(`+${digits}`);
}
