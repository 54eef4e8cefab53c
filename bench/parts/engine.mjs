// 7. Chat engine: AlloPermet's decisions per second in this process, against the tests' in-memory
// shop (no storage): the engine's own cost, which every inbound message pays once.
import { performance } from "node:perf_hooks";
import { testSupport } from "../lib/test-support.mjs";
import { row } from "../lib/table.mjs";

const BUYERS = 100;
const WARM_UP_MS = 1_500;
const MEASURE_MS = 4_000;
/** A live's typical exchange: a greeting, a product keyword, a quantity, the confirmation. */
const CONVERSATION = ["Bonjour", "ROBE1", "2", "OUI"];

export async function run() {
  const { MemoryShop, Transcript, DEMO_PRODUCTS, vendorSettings } = testSupport("memory-shop");
  const products = DEMO_PRODUCTS.map((product) => ({ ...product, stock: 1_000_000_000 }));
  const shop = new MemoryShop(products);
  const buyers = Array.from(
    { length: BUYERS },
    (_, i) => new Transcript(shop, vendorSettings(), `+22177${String(1_000_000 + i)}`),
  );
  const perKind = new Map(CONVERSATION.map((text) => [text, { count: 0, ms: 0 }]));

  let step = 0;
  async function decide(record) {
    const buyer = buyers[step % BUYERS];
    const text = CONVERSATION[Math.floor(step / BUYERS) % CONVERSATION.length];
    step += 1;
    const started = performance.now();
    const replies = await buyer.send(text);
    if (record) {
      const kind = perKind.get(text);
      kind.count += 1;
      kind.ms += performance.now() - started;
    }
    if (replies.length === 0) throw new Error(`the engine said nothing to "${text}"`);
  }

  for (const end = performance.now() + WARM_UP_MS; performance.now() < end;) await decide(false);
  let decisions = 0;
  const started = performance.now();
  while (performance.now() - started < MEASURE_MS) {
    await decide(true);
    decisions += 1;
  }
  const perSecond = decisions / ((performance.now() - started) / 1000);
  const kinds = [...perKind]
    .map(([text, { count, ms }]) => `"${text}" ${((ms / count) * 1000).toFixed(0)} µs`)
    .join(", ");
  console.log(`  ${perSecond.toFixed(0)} decisions/s; per message: ${kinds}`);
  return {
    rows: [
      row({
        figure: "engine decisions per second (greeting, keyword, quantity, OUI in turn)",
        measured: `${Math.round(perSecond).toLocaleString("en")}/s (${kinds})`,
      }),
    ],
    details: `${decisions} decisions in ${MEASURE_MS / 1000} s after ${WARM_UP_MS / 1000} s of warm-up, ${BUYERS} buyers each going greeting → keyword → quantity → OUI against the tests' in-memory shop (\`functions/test/support/memory-shop.ts\`). Mean time per decision: ${kinds}.`,
  };
}
