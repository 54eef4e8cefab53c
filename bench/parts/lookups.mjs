// 6. Lookups: phone number -> vendor (WABAManager, through phone_index) and the webhook's
// configuration read with its authentication, with 10 and with 10,000 vendors, cold (nothing cached)
// and warm (from the function instance's cache), Firestore reads counted; and what 10,000 cached
// vendors cost in memory.
import { performance } from "node:perf_hooks";
import { functionsInProcess, say } from "../lib/in-process.mjs";
import { OpCounter, tally } from "../lib/op-counter.mjs";
import { mb, ms, p50, p99 } from "../lib/stats.mjs";
import { ratioRow, row } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { signedHeaders } from "../lib/wasender-events.mjs";

const SIZES = [10, 10_000];
const COLD_CALLS = 50;
/** The same hot vendors at both sizes: only what else the cache and Firestore hold differs. */
const HOT = 10;
const CALLS = 20_000;
const FLAT_LIMIT = 1.2;

export async function run() {
  const { lib, db, firestoreModule } = functionsInProcess();
  const ops = new OpCounter().install(firestoreModule);
  const { WABAManager } = lib("onboarding/waba-manager.js");
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { configCache, vendorKey, indexKey } = lib("store/config-cache.js");
  const { TieredCache } = lib("shared/tiered-cache.js");
  const prefix = `look${Date.now().toString(36)}`;
  const vendors = Array.from({ length: SIZES.at(-1) }, (_, i) => benchVendor(prefix, i));
  const manager = new WABAManager();
  const event = Buffer.from(JSON.stringify({ event: "chats.update", data: { id: "x" } }));
  const phoneLookup = async (v) => {
    if ((await manager.findVendorByPhoneNumber(v.phoneNumber))?.vendorId !== v.vendorId)
      throw new Error(`no vendor for ${v.phoneNumber}`);
  };
  const configRead = async (v) => {
    const response = await handleWasenderWebhook({
      method: "POST",
      path: `/${v.vendorId}`,
      headers: signedHeaders(v.secret),
      rawBody: event,
    });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  };

  /**
   * Puts the vendors' snapshots into a cache through its own `set`, as ConfigCache stores what it read
   * (config and instances, as stored; the seeded documents hold no timestamps to convert). Reading them
   * one by one would take the emulator about 100 ms per vendor at 10,000 (it scans waba_instances for
   * each vendor's query, where Firestore uses an index), 20 minutes in all.
   */
  async function fillCache(tiers, list) {
    const readAt = Date.now();
    for (const v of list) {
      await tiers.set(
        vendorKey(v.vendorId),
        { config: v.docs.config, instances: [{ id: v.wabaInstanceId, data: v.docs.instance }], readAt },
        { readAt },
      );
    }
  }

  /**
   * Per call over the hot vendors: p50 time (a call that re-reads the documents, once per 4 s and vendor
   * on the memory cache, sits in the tail) and Firestore reads per call.
   */
  async function warm(work, hot) {
    const times = [];
    const mark = ops.mark();
    for (let i = 0; i < CALLS; i++) {
      const started = performance.now();
      await work(hot[i % hot.length]);
      times.push(performance.now() - started);
    }
    return { ms: p50(times), p99: p99(times), reads: tally(ops.since(mark)).reads / CALLS };
  }
  async function cold(work, sample) {
    await configCache().delete(vendors.flatMap((v) => [vendorKey(v.vendorId), indexKey("phone_index", v.phoneNumber)]));
    const times = [];
    const mark = ops.mark();
    for (const v of sample) {
      const started = performance.now();
      await work(v);
      times.push(performance.now() - started);
    }
    return { ms: p50(times), reads: tally(ops.since(mark)).reads / sample.length };
  }

  const results = new Map();
  let seeded = 0;
  for (const size of SIZES) {
    const started = performance.now();
    await writeVendors(db, vendors.slice(seeded, size), { index: true });
    seeded = size;
    say(`  ${size} vendors seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const sample = Array.from(
      { length: Math.min(size, COLD_CALLS) },
      (_, n) => vendors[Math.floor((n * size) / Math.min(size, COLD_CALLS))],
    );
    const hot = vendors.slice(0, HOT);
    const result = { phoneCold: await cold(phoneLookup, sample), configCold: await cold(configRead, sample) };
    // Warm: the instance's memory as full as traffic from every vendor would leave it (10,000 entries),
    // the hot vendors in it through the real path.
    await fillCache(configCache(), vendors.slice(hot.length, size));
    for (const v of hot) (await phoneLookup(v), await configRead(v));
    if (size === SIZES[0]) for (let i = 0; i < 3; i++) (await warm(phoneLookup, hot), await warm(configRead, hot)); // the JIT, not measured
    result.phoneWarm = await warm(phoneLookup, hot);
    result.configWarm = await warm(configRead, hot);
    if (size === SIZES.at(-1)) {
      // The small case once more, with the cache back to the hot vendors alone: the mean of the two
      // small measurements cancels a drift of the process between them.
      await configCache().delete(
        vendors.flatMap((v) => [vendorKey(v.vendorId), indexKey("phone_index", v.phoneNumber)]),
      );
      for (const v of hot) (await phoneLookup(v), await configRead(v));
      const first = results.get(SIZES[0]);
      for (const [key, again] of [
        ["phoneWarm", await warm(phoneLookup, hot)],
        ["configWarm", await warm(configRead, hot)],
      ]) {
        first[key] = {
          ms: (first[key].ms + again.ms) / 2,
          p99: (first[key].p99 + again.p99) / 2,
          reads: (first[key].reads + again.reads) / 2,
        };
      }
    }
    results.set(size, result);
    say(
      `  ${size}: phone cold ${ms(result.phoneCold.ms)} (${result.phoneCold.reads} reads), warm ${ms(result.phoneWarm.ms)} (${result.phoneWarm.reads.toFixed(4)} reads); config cold ${ms(result.configCold.ms)} (${result.configCold.reads} reads), warm ${ms(result.configWarm.ms)} (${result.configWarm.reads.toFixed(4)} reads)`,
    );
  }

  // Memory: 10,000 vendors' snapshots (what the webhook caches) in a fresh cache of one function instance.
  const tiers = new TieredCache(undefined);
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  await fillCache(tiers, vendors.slice(0, 10_000));
  globalThis.gc();
  const memory = process.memoryUsage().heapUsed - before;
  say(`  10,000 cached vendor snapshots: ${mb(memory)} of heap`);

  const [small, large] = SIZES.map((size) => results.get(size));
  const rows = [];
  for (const [key, name] of [
    ["phone", "phone → vendor (findVendorByPhoneNumber)"],
    ["config", "webhook configuration read + authentication"],
  ]) {
    const a = small[`${key}Warm`];
    const b = large[`${key}Warm`];
    rows.push(
      ratioRow({
        figure: `lookup, ${name}, warm: 10,000 vendors vs 10`,
        limit: FLAT_LIMIT,
        measured: `p50 ${ms(b.ms)} vs ${ms(a.ms)} (p99 ${ms(b.p99)} vs ${ms(a.p99)}); reads per call ${b.reads.toFixed(4)} vs ${a.reads.toFixed(4)}`,
        ratio: b.ms / a.ms,
      }),
    );
    rows.push(
      row({
        figure: `lookup, ${name}, cold`,
        measured: `10 vendors: p50 ${ms(small[`${key}Cold`].ms)}, ${small[`${key}Cold`].reads} reads; 10,000: p50 ${ms(large[`${key}Cold`].ms)}, ${large[`${key}Cold`].reads} reads`,
      }),
    );
  }
  rows.push(
    row({
      figure: "memory per 10,000 cached vendors (the webhook's snapshots, one instance)",
      measured: `${mb(memory)} of heap (${(memory / 10_000 / 1024).toFixed(1)} KiB each)`,
    }),
  );
  return {
    rows,
    details: `Vendors seeded by documents (instance, config, phone_index). Cold: ${COLD_CALLS} calls (10 with 10 vendors) on vendors spread over the set, the cache emptied first; each costs the index document, the vendor's config and its instances (a query). Warm: ${CALLS} calls over the same ${HOT} hot vendors at both sizes, each timed, p50 (the 10-vendor figure is the mean of a measurement before and one after the 10,000-vendor one), with the instance's memory as full as every vendor's traffic would leave it (10,000 entries at most: the other vendors' snapshots put in through the cache's own \`set\`, since the emulator scans \`waba_instances\` on every vendor's query, about 100 ms each at 10,000, where Firestore uses an index) and the hot vendors in it through the real path; memory cache only, where an entry that lets a webhook in is re-read after 4 s (the fractional reads per warm call), with Redis it would be 30 s. The configuration read is the webhook's whole path for an event it ignores (\`chats.update\`): path, vendor gate, signature check. Memory: heap grown (after a GC) when a fresh cache holds 10,000 vendors' snapshots.`,
  };
}
