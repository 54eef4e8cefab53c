import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** Senegal first: LivePay's operators and buyers are there. */
export const DEFAULT_COUNTRY: CountryCode = "SN";

/**
 * Normalizes what an operator typed or Wasender sent ("77 123 45 67", "00221...", "+221 ...",
 * "221771234567") to E.164, or undefined when it is not a possible phone number.
 */
export function toE164(input: string, defaultCountry: CountryCode = DEFAULT_COUNTRY): string | undefined {
  const trimmed = input.trim().replace(/^00/, "+");
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isPossible()) return undefined;
  return parsed.number;
}

/** Wasender's bare international digits ("221771234567") to E.164; never guesses a country. */
export function digitsToE164(digits: string): string | undefined {
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  return toE164(`+${digits}`);
}
