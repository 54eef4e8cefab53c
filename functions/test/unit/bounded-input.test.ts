import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { normalizeText, words } from "../../src/engine/formatting";
import { INTENT_TEXT_LIMIT, intentText, readingOf } from "../../src/engine/message-reading";
import {
  closestProduct,
  commandOf,
  compactKeyword,
  orderReferenceOf,
  productMentioned,
  productOf,
  quantityOf,
} from "../../src/engine/intents";
import type { Product } from "../../src/model/product";
import { DEMO_PRODUCTS, MemoryShop, Transcript, vendorSettings } from "../support/memory-shop";
import * as regex from "../support/regex-intents";

/**
 * Bounded work per message: a buyer may send anything, up to WhatsApp's 64 KB. Every intent parser
 * reads only `intentText(message)` (leading whitespace skipped, at most INTENT_TEXT_LIMIT characters)
 * in linear time, and answers on it exactly as the former regex parsers (test/support/regex-intents.ts)
 * did. No timing here: that a 64 KB message costs about what a short one does is the benchmark's
 * `adversarial` part; these properties pin the answers, so the linear code cannot drift from the old.
 */

// normalizeText, watched: the work a decision does is counted in characters normalized (no clock).
vi.mock("../../src/engine/formatting", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/engine/formatting")>();
  return { ...actual, normalizeText: vi.fn(actual.normalizeText) };
});
const normalizing = vi.mocked(normalizeText);
beforeEach(() => {
  normalizing.mockClear();
});

/** Keywords that collide with counts, commands and separators ("ROBE12" next to "ROBE1", "X", "OUI"). */
const PRODUCTS: Product[] = [
  ...DEMO_PRODUCTS,
  ...["ROBE12", "X", "X1", "Robe 2", "CMD", "oui", "日本", "Σοφία", "😀"].map((keyword, i) => ({
    id: `p${i}`,
    keyword,
    name: keyword,
    price: 1_000,
    currency: "XOF",
    stock: 3,
    active: true,
  })),
];

type Parser = (text: string) => unknown;
/** Each parser of buyer text, the bounded one and the regex one it replaces. */
const PARSERS: [string, Parser, Parser][] = [
  ["commandOf", commandOf, regex.commandOf],
  ["quantityOf", quantityOf, regex.quantityOf],
  ["orderReferenceOf", orderReferenceOf, regex.orderReferenceOf],
  ["compactKeyword of the read text", (text) => compactKeyword(intentText(text)), regex.compactKeyword],
  ["productOf", (text) => productOf(PRODUCTS, text), (text) => regex.productOf(PRODUCTS, text)],
  ["productMentioned", (text) => productMentioned(PRODUCTS, text), (text) => regex.productMentioned(PRODUCTS, text)],
  ["closestProduct", (text) => closestProduct(PRODUCTS, text), (text) => regex.closestProduct(PRODUCTS, text)],
];

/** What the old patterns hinged on: punctuation runs, counts after " ", " x", " x ", every kind of space. */
const PIECES = [
  ...["!", "!!", ".", "?", ",", ";", ":", "...", "?!", "-", "'", "x", "X", "x ", " x", " x "],
  ...["1", "2", "12", "123", "1234", "12345", "0", "٣", "２"],
  ...["robe", "robe1", "ROBE1", "robe12", "boubou1", "sac-été", "sac ete", "oui", "non", "menu", "aide"],
  ...["annuler", "cmd", "CMD-7KQ2XA", "cmd 7kq2xa", "bonjour", "salut", "nanga def", "deux", "pieces", "pcs"],
  ...[" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u2028", "\u3000", "\ufeff", "\u200b"],
  ...["é", "e\u0301", "\u0301", "\u0301\u0301\u0301", "İ", "ß", "Σ", "日本", "مرحبا", "עברית", "\u202e"],
  ...["😀", "👍🏿", "👨‍👩‍👧", "🇸🇳", "\ud83d", "\ude00"],
];
const piece = fc.constantFrom(...PIECES);

/** Short messages: pieces put together, and any Unicode. */
const shortText = fc.oneof(
  { weight: 3, arbitrary: fc.array(piece, { maxLength: 10 }).map((parts) => parts.join("")) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

/** A run of one unit, `length` code units long (a cut may split a pair: attackers send those too). */
function run(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

const SPACES = [" ", "\u00a0", "\u2003", "\u3000", "\t", "\n", "\u2028"];
const FILLERS = [
  ...["!", ".", "?!", ",;:", "!.", " !", "! ", "..."],
  ...SPACES,
  ...["\u0301", "e\u0301", "😀", "👍🏿", "日本", "Σ", "مرحبا", "a", "x", "1", " 1", "x1 ", "robe1 ", "cmd-"],
];

/**
 * Adversarial messages up to 64 KB: a short lead, a long run of one filler (around the bound or up to
 * 64 KB), a short tail; sometimes behind 64 KB of spaces.
 */
const adversarialText = fc
  .record({
    before: fc.constantFrom("", "", run(" ", 65_536), run("\u3000", 60_000), run("\n", 2 * INTENT_TEXT_LIMIT)),
    lead: shortText,
    filler: fc.constantFrom(...FILLERS),
    length: fc.oneof(
      fc.integer({ min: 0, max: 2 * INTENT_TEXT_LIMIT }),
      fc.integer({ min: INTENT_TEXT_LIMIT - 20, max: INTENT_TEXT_LIMIT + 20 }),
      fc.integer({ min: 60_000, max: 65_536 }),
    ),
    tail: shortText,
  })
  .map(({ before, lead, filler, length, tail }) => `${before}${lead}${run(filler, length)}${tail}`);

describe("bounded input", () => {
  it("intentText: a trimmed prefix of at most INTENT_TEXT_LIMIT characters, the same when read again", () => {
    fc.assert(
      fc.property(fc.oneof(adversarialText, shortText), (text) => {
        const read = intentText(text);
        expect(read.length).toBeLessThanOrEqual(INTENT_TEXT_LIMIT);
        expect(text.trimStart().startsWith(read)).toBe(true);
        expect(read).toBe(read.trim());
        expect(intentText(read)).toBe(read);
        const cut = (length: number) => text.trimStart().slice(0, length).trimEnd();
        if (text.trim().length <= INTENT_TEXT_LIMIT) expect(read).toBe(text.trim());
        else expect([cut(INTENT_TEXT_LIMIT), cut(INTENT_TEXT_LIMIT - 1)]).toContain(read);
      }),
      { numRuns: 300 },
    );
    // A cut between the two halves of an emoji keeps neither.
    const emojiAtTheBound = `${run("a", INTENT_TEXT_LIMIT - 1)}😀 oui`;
    expect(intentText(emojiAtTheBound)).toBe(run("a", INTENT_TEXT_LIMIT - 1));
  });

  it("a message's reading, kept from one parser to the next, is its bounded text's, whatever was read in between", () => {
    const fresh = (text: string) => {
      const read = intentText(text);
      return { text: read, normalized: normalizeText(read), words: words(read), compact: compactKeyword(read) };
    };
    fc.assert(
      fc.property(fc.oneof(adversarialText, shortText), shortText, (text, other) => {
        expect(readingOf(text)).toEqual(fresh(text));
        readingOf(other);
        expect(readingOf(text)).toEqual(fresh(text));
        expect(readingOf(text)).toBe(readingOf(text));
      }),
      { numRuns: 300 },
    );
  });

  it("on short text, each parser answers as the regex parser it replaces", () => {
    fc.assert(
      fc.property(shortText, (text) => {
        for (const [name, bounded, old] of PARSERS)
          expect(bounded(text), `${name}(${JSON.stringify(text)})`).toEqual(old(text));
      }),
      { numRuns: 3_000 },
    );
  });

  it("counts after a keyword: every separator the old pattern took, and the shortest lead", () => {
    const separator = fc.constantFrom(" ", "  ", " x", " x ", "x", "x ", " X ", "\u00a0x\u2003", "", " xx ", " x x ");
    fc.assert(
      fc.property(
        fc.constantFrom("robe1", "robe 1", "robe", "x", "x1", "robe 2", "oui", "", "robe1 x"),
        separator,
        fc.stringMatching(/^\d{0,6}$/),
        fc.constantFrom("", "!", " ", "."),
        (keyword, between, count, end) => {
          const text = `${keyword}${between}${count}${end}`;
          for (const [name, bounded, old] of PARSERS)
            expect(bounded(text), `${name}(${JSON.stringify(text)})`).toEqual(old(text));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("on adversarial text up to 64 KB, each parser answers as on the prefix it reads, as the regex parser did there", () => {
    fc.assert(
      fc.property(adversarialText, (text) => {
        const read = intentText(text);
        for (const [name, bounded, old] of PARSERS) {
          const answer = bounded(text);
          expect(answer, `${name} on ${text.length} characters`).toEqual(bounded(read));
          expect(answer, `${name} on ${text.length} characters, against the regex parser`).toEqual(old(read));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("an engine decision normalizes the message once, and at most the bound: two strings longer than a keyword at most", async () => {
    const longestKeyword = Math.max(...DEMO_PRODUCTS.map((product) => product.keyword.length));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom([], ["ROBE1"], ["ROB1"]), adversarialText, async (before, text) => {
        const transcript = new Transcript(new MemoryShop(DEMO_PRODUCTS), vendorSettings());
        for (const step of before) await transcript.send(step);
        normalizing.mockClear();
        await transcript.send(text);
        // The message's reading, and the lead before a count ("ROBE1 x 2"): nothing else is long.
        const long = normalizing.mock.calls.map(([input]) => input.length).filter((n) => n > longestKeyword);
        expect(long.length, `lengths normalized: ${long.join(", ")}`).toBeLessThanOrEqual(2);
        for (const length of long) expect(length).toBeLessThanOrEqual(INTENT_TEXT_LIMIT);
      }),
      { numRuns: 150 },
    );
  });

  it("the engine's decision on adversarial text is its decision on the prefix it reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom([], ["ROBE1"], ["ROBE1", "2"], ["ROB1"]),
        adversarialText,
        async (before, text) => {
          const decide = async (message: string) => {
            const transcript = new Transcript(new MemoryShop(DEMO_PRODUCTS), vendorSettings());
            for (const step of before) await transcript.send(step);
            const replies = await transcript.send(message);
            return { replies, state: transcript.state, notice: transcript.lastNotice };
          };
          expect(await decide(text)).toEqual(await decide(intentText(text)));
        },
      ),
      { numRuns: 150 },
    );
  });
});
