// 9. Adversarial input: AlloPermet's decision on generated 64 KB messages (WhatsApp's largest text),
// in this process against the tests' in-memory shop as part 7, next to a typical decision measured in
// the same rounds. The engine reads a bounded prefix in linear time, so the slowest of them should cost
// a small multiple of a typical one (before, a run of punctuation took seconds).
import { performance } from "node:perf_hooks";
import { median, ms, p99 } from "../lib/stats.mjs";
import { ratioRow, row } from "../lib/table.mjs";
import { testSupport } from "../lib/test-support.mjs";

const SIZE = 65_536;
const LIMIT = 10;
const WARM_UP_MS = 1_500;
const ROUNDS = 300;
/** Part 7's exchange: a greeting, a product keyword, a quantity, the confirmation. */
const CONVERSATION = ["Bonjour", "ROBE1", "2", "OUI"];

/** `unit` repeated to `size` UTF-16 code units, then `tail` (the whole 64 KB). */
function fill(lead, unit, tail = "") {
  const size = SIZE - lead.length - tail.length;
  return `${lead}${unit.repeat(Math.ceil(size / unit.length)).slice(0, size)}${tail}`;
}

/** A deterministic mix of pieces, so every run measures the same message. */
function mixed(pieces, seed) {
  let state = seed;
  let text = "";
  while (text.length < SIZE) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    text += pieces[state % pieces.length];
  }
  return text.slice(0, SIZE);
}

/** The generated messages, by what they try. */
const MESSAGES = {
  "! run, then a letter": fill("", "!", "a"),
  "punctuation mix, then a letter": fill("", ".?,;:", "a"),
  "OUI, ! run, then x": fill("OUI", "!", "x"),
  "64 KB of spaces, then OUI": fill("", " ", "OUI"),
  "unicode spaces, then MENU": fill("", "\u00a0\u2003\u3000\u2028\t", "MENU"),
  "ROBE1, spaces, then 2": fill("ROBE1", " ", "2"),
  "ROBE1 x repeated, then 2": fill("", "ROBE1 x ", "2"),
  "1 repeated (counts)": fill("", "1 "),
  "combining accents": fill("", "e\u0301\u0300"),
  "lone combining marks": fill("a", "\u0301"),
  emoji: fill("", "😀👍🏿🇸🇳"),
  "mixed scripts": fill("", "日本 مرحبا Σοφία עברית "),
  "order references": fill("ANNULER ", "CMD-7KQ2XA "),
  "random mix": mixed(["!", ".", " ", "\u00a0", "x", "1", "ROBE1", "é", "\u0301", "😀", "日本", "oui", "?", "\n"], 7),
};

export async function run() {
  const { MemoryShop, Transcript, DEMO_PRODUCTS, vendorSettings } = testSupport("memory-shop");
  const shop = new MemoryShop(DEMO_PRODUCTS.map((product) => ({ ...product, stock: 1_000_000_000 })));
  const typicalBuyer = new Transcript(shop, vendorSettings(), "+221770000001");
  const attacker = new Transcript(shop, vendorSettings(), "+221770000002");
  for (const [name, text] of Object.entries(MESSAGES))
    if (text.length !== SIZE) throw new Error(`"${name}" is ${text.length} long, not ${SIZE}`);

  /** One decision, timed; each adversarial message is the first of a fresh conversation. */
  async function adversarial(text) {
    attacker.state = {};
    attacker.paused = false;
    shop.paused.clear();
    const started = performance.now();
    const replies = await attacker.send(text);
    const took = performance.now() - started;
    if (replies.length === 0) throw new Error("the engine said nothing to a 64 KB message");
    return took;
  }
  async function typical(text) {
    const started = performance.now();
    const replies = await typicalBuyer.send(text);
    const took = performance.now() - started;
    if (replies.length === 0) throw new Error(`the engine said nothing to "${text}"`);
    return took;
  }

  for (const end = performance.now() + WARM_UP_MS; performance.now() < end;) {
    for (const text of CONVERSATION) await typical(text);
    for (const text of Object.values(MESSAGES)) await adversarial(text);
  }
  // Rounds take turns: one exchange of the typical conversation, then each 64 KB message once.
  const typicalSamples = [];
  const samples = new Map(Object.keys(MESSAGES).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const text of CONVERSATION) typicalSamples.push(await typical(text));
    for (const [name, text] of Object.entries(MESSAGES)) samples.get(name).push(await adversarial(text));
  }

  const typicalP50 = median(typicalSamples);
  const byMessage = [...samples]
    .map(([name, taken]) => ({ name, p50: median(taken), p99: p99(taken) }))
    .sort((a, b) => b.p50 - a.p50);
  const slowest = byMessage[0];
  const ratio = slowest.p50 / typicalP50;
  const list = byMessage.map(({ name, p50 }) => `${name} ${ms(p50)}`).join(", ");
  console.log(`  typical p50 ${ms(typicalP50)}; 64 KB messages p50: ${list}`);
  return {
    rows: [
      ratioRow({
        figure: `slowest engine decision on a 64 KB message (${slowest.name}) vs a typical decision, p50`,
        limit: LIMIT,
        measured: `${ms(slowest.p50)} vs ${ms(typicalP50)} (p99 ${ms(slowest.p99)} vs ${ms(p99(typicalSamples))})`,
        ratio,
      }),
      row({ figure: "engine decision per 64 KB message, p50", measured: list }),
    ],
    details: `${Object.keys(MESSAGES).length} generated messages of ${SIZE.toLocaleString("en")} UTF-16 code units each (runs of punctuation, spaces, Unicode spaces, combining accents, emoji, mixed scripts, keywords and counts repeated, a seeded random mix), each the first message of a fresh conversation, against the tests' in-memory shop (\`functions/test/support/memory-shop.ts\`) as part 7; ${ROUNDS} rounds after ${WARM_UP_MS / 1000} s of warm-up, each round one typical exchange (greeting → keyword → quantity → OUI, as part 7) then each 64 KB message once, every decision timed. Typical decision p50 ${ms(typicalP50)}; per 64 KB message p50 (p99): ${byMessage.map(({ name, p50, p99: q }) => `${name} ${ms(p50)} (${ms(q)})`).join(", ")}.`,
  };
}
