/**
 * Buyers' phone numbers as logs may show them: the country and operator prefix and the last two digits
 * stay (enough to tell two buyers apart in a trace), at least five digits in between are hidden.
 */

const HIDDEN_DIGITS = 5;
const KEPT_TAIL = 2;
const KEPT_HEAD = 5;

/** "221771234567" -> "22177*****67"; a run of 7 digits keeps only its last two. */
function maskDigits(digits: string): string {
  const head = Math.min(KEPT_HEAD, Math.max(0, digits.length - HIDDEN_DIGITS - KEPT_TAIL));
  const hidden = Math.max(0, digits.length - head - KEPT_TAIL);
  return digits.slice(0, head) + "*".repeat(hidden) + digits.slice(head + hidden);
}

/** A run of digits long enough to be a phone number, in a value known to hold one. */
const ANY_NUMBER = /\d{7,}/g;

/**
 * Phone numbers inside any text: E.164 ("+221771234567"), its URL-escaped form ("%2B221771234567", a
 * path), and WhatsApp ids ("221771234567@s.whatsapp.net"). Other digit runs (timestamps, amounts)
 * stay as they are.
 */
const NUMBER_IN_TEXT = /(\+|%2B)(\d{7,15})(?!\d)|(?<![\d+])(\d{7,15})(?=@)/gi;

/** A number as people type it: digits with spaces, dots, dashes, brackets, perhaps a "+". */
const TYPED_NUMBER = /^\+?[\d\s().-]+$/;

/**
 * "+221771234567" -> "+22177*****67": every run of 7 digits or more in the value is masked, and a
 * number typed with separators ("77 123 45 67") is masked as its digits.
 */
export function maskPhone(value: string): string {
  const typed = TYPED_NUMBER.test(value) ? value.replace(/[\s().-]/g, "") : value;
  return typed.replace(ANY_NUMBER, maskDigits);
}

/** The text with every phone number it carries (E.164, escaped, WhatsApp id) masked; anything else kept. */
export function maskPhonesIn(text: string): string {
  return text.replace(NUMBER_IN_TEXT, (_match, sign: string | undefined, signed: string, bare: string) =>
    sign ? sign + maskDigits(signed) : maskDigits(bare),
  );
}

/** Fields that hold a phone number whatever they look like (lower case). */
const PHONE_FIELDS = new Set([
  "customer",
  "from",
  "to",
  "phone",
  "phonenumber",
  "buyer",
  "recipient",
  "sender",
  "remotejid",
]);

const MAX_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A log argument with buyers' numbers masked: strings anywhere (in plain objects and arrays, to a depth
 * of 8), every value of a phone field whatever its form. Other objects (errors, timestamps) pass as they are.
 */
export function maskPhonesForLog(value: unknown, phoneField = false, depth = 0): unknown {
  if (typeof value === "string") return phoneField ? maskPhone(value) : maskPhonesIn(value);
  if (typeof value === "number" && phoneField) return maskPhone(String(value));
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => maskPhonesForLog(item, phoneField, depth + 1));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      maskPhonesForLog(inner, phoneField || PHONE_FIELDS.has(key.toLowerCase()), depth + 1),
    ]),
  );
}
