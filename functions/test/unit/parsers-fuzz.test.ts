import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  closestProduct,
  commandOf,
  compactKeyword,
  orderReferenceOf,
  productMentioned,
  productOf,
  quantityOf,
} from "../../src/engine/intents";
import { formatPrice, normalizeText, words } from "../../src/engine/formatting";
import { DEFAULT_TEMPLATES, fill, textBook } from "../../src/engine/wording";
import type { Product } from "../../src/model/product";
import { openingHoursSchema, openingVerdict } from "../../src/model/opening-hours";
import { placeholdersOf, TEMPLATE_KEYS } from "../../src/model/templates";
import { vendorConfigSchema } from "../../src/model/vendor-config";
import { checkWasenderInstance } from "../../src/model/waba-instance";
import { digitsToE164, toE164 } from "../../src/shared/phone";
import { envelopeSchema } from "../../src/wasender/envelope";
import { interpretMessage, messagesOf } from "../../src/wasender/message-payloads";
import { qrCodeDataSchema, sessionStatusDataSchema } from "../../src/wasender/session-payloads";
import { statusUpdatesOf, STATUS_EVENTS } from "../../src/wasender/status-payloads";
import { parseVendorPath } from "../../src/webhooks/vendor-path";
import { wasenderMessage } from "../support/payloads";

/**
 * The pure parsers never throw, whatever they are given: each returns a value or a reason. Inputs are
 * the documented shapes, mutated (wrong types, missing fields, arrays for objects, odd Unicode, huge
 * strings) plus arbitrary JSON. A counterexample is printed shrunk by fast-check.
 */

const RUNS = 2_000;
let cases = 0;
let failed = 0;
afterAll(() => console.log(`fuzz: pure parsers ${cases} cases passed, ${failed} properties failed`));

/** Runs a property RUNS times (fast-check throws, shrunk, on the first exception or failed check). */
function check(property: fc.IProperty<unknown[]>): void {
  try {
    fc.assert(property, { numRuns: RUNS });
  } catch (error) {
    failed += 1;
    throw error;
  }
  cases += RUNS;
}

/** Strings people and attackers type: full Unicode, controls, RTL marks, emoji, digits, long runs. */
const oddString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u202e",
    "\ufeff",
    "😀👍🏿",
    "é́́",
    "0",
    "-1",
    "1e309",
    "NaN",
    "+221 77 123 45 67",
    "00221771234567",
    "%E0%A4%A",
    "../..",
    "{}",
    "{shop}",
    "{{x}}",
  ),
  fc.string({ unit: fc.constantFrom("0", "1", "9", "+", " ", "-", "(", ")"), maxLength: 30 }),
  fc.nat({ max: 5_000 }).map((n) => "x".repeat(n)),
);

/** Any JSON value, deep and wide. */
const anyJson = fc.jsonValue({ maxDepth: 6 });

/** A documented shape with one part replaced by something else. */
function mutate<T extends Record<string, unknown>>(base: T): fc.Arbitrary<unknown> {
  const replacement = fc.oneof(
    anyJson,
    oddString,
    fc.constant(undefined),
    fc.constant(null),
    fc.array(anyJson, { maxLength: 3 }),
  );
  const paths = pathsOf(base);
  return fc
    .tuple(fc.constantFrom(...paths), replacement)
    .map(([path, value]) => setAt(structuredClone(base), path, value));
}

function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([key, inner]) => pathsOf(inner, [...prefix, key]))];
}

function setAt(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return root;
}

const MESSAGE_EVENTS = [
  "messages.received",
  "messages.upsert",
  "messages-personal.received",
  "messages-group.received",
  "message",
];
const messageData = fc.oneof(
  mutate({ messages: wasenderMessage() }),
  mutate({ messages: [wasenderMessage(), wasenderMessage({ fromMe: true })] }),
  mutate(wasenderMessage({ lid: true })),
  mutate({ from: "221771234567", message: "Test message", id: "msg_123" }),
  anyJson,
);
const statusData = fc.oneof(
  mutate({ update: { status: 3 }, key: { id: "3EB0X", remoteJid: "221771234567@s.whatsapp.net", fromMe: true } }),
  mutate({ message: { key: { id: "3EB0X", fromMe: true }, receipt: { userJid: "x", receiptTimestamp: 1 } } }),
  mutate({ key: { id: "3EB0X" }, status: "sent" }),
  anyJson,
);

const product = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  keyword: oddString,
  name: oddString,
  price: fc.nat(),
  currency: fc.constantFrom("XOF", "XAF", "EUR"),
  stock: fc.nat({ max: 1_000 }),
  active: fc.boolean(),
}) as fc.Arbitrary<Product>;

describe("pure parsers under fuzzing", () => {
  it("Wasender payloads: envelope, messages, statuses, sessions", () => {
    check(
      fc.property(fc.constantFrom(...MESSAGE_EVENTS), messageData, (event, data) => {
        envelopeSchema.safeParse({ event, data });
        messagesOf(data).forEach((raw, index) => {
          const outcome = interpretMessage(event, raw, index);
          expect(["accepted", "ignored", "invalid"]).toContain(outcome.outcome);
          if (outcome.outcome === "accepted") expect(outcome.message.from).toMatch(/^\+[1-9]\d{6,14}$/);
        });
      }),
    );
    check(
      fc.property(fc.constantFrom(...STATUS_EVENTS), statusData, (event, data) => {
        const { updates, invalid } = statusUpdatesOf(event, data);
        expect(Array.isArray(updates) && Array.isArray(invalid)).toBe(true);
      }),
    );
    check(
      fc.property(
        fc.oneof(mutate({ status: "NEED_SCAN", session_id: "1" }), mutate({ qr: "2@abc" }), anyJson),
        (data) => {
          sessionStatusDataSchema.safeParse(data);
          qrCodeDataSchema.safeParse(data);
        },
      ),
    );
  });

  it("phone numbers, URLs and documents", () => {
    check(
      fc.property(oddString, fc.constantFrom("SN", "FR", "US", "CI") as fc.Arbitrary<"SN">, (text, country) => {
        const e164 = toE164(text, country);
        if (e164 !== undefined) expect(e164).toMatch(/^\+[1-9]\d{6,14}$/);
        const digits = digitsToE164(text);
        if (digits !== undefined) expect(digits).toMatch(/^\+[1-9]\d{6,14}$/);
        const path = parseVendorPath(text);
        expect(typeof path.ok).toBe("boolean");
        parseVendorPath(`/api/webhooks/wasender/${text}`);
      }),
    );
    check(
      fc.property(
        fc.oneof(
          mutate({
            vendorId: "v",
            phoneNumber: "+221771234567",
            provider: "wasender",
            wasenderApiKey: "k",
            wasenderWebhookSecret: "s",
          }),
          anyJson,
        ),
        fc.oneof(
          mutate({
            vendorId: "v",
            templates: { welcome: "Hi {shop}" },
            openingHours: { weekly: { mon: ["09:00-13:00"] } },
          }),
          anyJson,
        ),
        (instance, config) => {
          const check = checkWasenderInstance("id", instance);
          expect(typeof check.usable).toBe("boolean");
          vendorConfigSchema.safeParse(config);
        },
      ),
    );
  });

  it("the engine's intent reading and formatting", () => {
    // Found by this fuzzing: words that name Object.prototype's members were read as quantities.
    for (const word of ["__proto__", "constructor", "toString", "hasOwnProperty"])
      expect(quantityOf(word), word).toBeUndefined();
    check(
      fc.property(oddString, fc.array(product, { maxLength: 5 }), (text, products) => {
        commandOf(text);
        orderReferenceOf(text);
        const quantity = quantityOf(text);
        if (quantity !== undefined) expect(Number.isInteger(quantity)).toBe(true);
        compactKeyword(text);
        productOf(products, text);
        productMentioned(products, text);
        closestProduct(products, text);
        normalizeText(text);
        words(text);
      }),
    );
    check(
      fc.property(
        fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e21)),
        oddString,
        (amount, currency) => {
          expect(typeof formatPrice(amount, currency)).toBe("string");
        },
      ),
    );
  });

  it("opening hours", () => {
    const range = fc.oneof(
      fc
        .tuple(
          fc.integer({ min: 0, max: 24 }),
          fc.integer({ min: 0, max: 59 }),
          fc.integer({ min: 0, max: 24 }),
          fc.integer({ min: 0, max: 59 }),
        )
        .map(
          ([a, b, c, d]) =>
            `${String(a).padStart(2, "0")}:${String(b).padStart(2, "0")}-${String(c).padStart(2, "0")}:${String(d).padStart(2, "0")}`,
        ),
      oddString,
    );
    const weekly = fc.dictionary(
      fc.constantFrom("mon", "tue", "wed", "thu", "fri", "sat", "sun", "xyz"),
      fc.array(range, { maxLength: 3 }),
    );
    const zone = fc.constantFrom(
      "Africa/Dakar",
      "UTC",
      "Pacific/Kiritimati",
      "America/St_Johns",
      "Asia/Kathmandu",
      "Not/AZone",
      "",
    );
    check(
      fc.property(
        fc.oneof(fc.record({ timeZone: zone, weekly }), anyJson),
        fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }),
        (raw, now) => {
          const parsed = openingHoursSchema.safeParse(raw);
          if (parsed.success) {
            const verdict = openingVerdict(parsed.data, now);
            expect(typeof verdict.open).toBe("boolean");
          }
        },
      ),
    );
  });

  it("templates: placeholders, filling, vendor overrides", () => {
    const values = fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.oneof(oddString, fc.integer(), fc.constant(undefined)),
    );
    check(
      fc.property(
        oddString,
        values,
        fc.constantFrom(...TEMPLATE_KEYS),
        fc.constantFrom<"fr" | "en">("fr", "en"),
        (template, vals, key, language) => {
          placeholdersOf(template);
          expect(typeof fill(template, vals)).toBe("string");
          const book = textBook(
            language,
            vendorConfigSchema.safeParse({ vendorId: "v", templates: { [key]: template } }).data?.templates ?? {},
          );
          expect(typeof book(key, vals)).toBe("string");
          expect(typeof fill(DEFAULT_TEMPLATES[language][key], vals)).toBe("string");
        },
      ),
    );
  });
});
