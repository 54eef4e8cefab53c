// 8. Delivery under faults: how long a reply takes to leave when Wasender fails, and how many times it
// is sent. In this process, the product's webhook, reply trigger and send attempts, with Cloud Tasks
// played by a queue that runs each attempt at its scheduled time (lib/in-process.mjs), against the fake
// Wasender told to answer 500 to a customer's sends once, or three times.
import { AsyncLocalStorage } from "node:async_hooks";
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { functionsInProcess, replyDeps, say, TaskQueue } from "../lib/in-process.mjs";
import { ms, p50, quantile } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent, signedHeaders } from "../lib/wasender-events.mjs";

const MESSAGES = 10;
const SEND_PATH = "/api/send-message";

/**
 * Each scenario is one row. `measure(harness)` returns its samples; a scenario without one is shown as
 * skipped with its reason. Meta failover (an instance's `failoverProvider: "meta"`) is not part of the
 * product yet: its row is measured once it lands, by a `measure` that gives the vendor's instance its
 * Meta fields pointing at the fake Meta (scripts/lib/fake-meta.mjs), fails Wasender and times the reply
 * reaching Meta, with `harness.timeReplies`.
 */
const SCENARIOS = [
  { name: "reply by retry after 1 Wasender 500", measure: (h) => h.timeReplies(1) },
  { name: "reply by retry after 3 Wasender 500s", measure: (h) => h.timeReplies(3) },
  { name: "reply through Meta failover", skipped: "measured once Meta failover lands" },
];

export async function run() {
  const { lib, db } = functionsInProcess();
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { handleNewMessage } = lib("replies/on-new-message.js");
  const { inboundMessageId } = lib("store/conversations.js");
  // The backoff each retry drew (a uniform draw under 2 s, 4 s, 8 s…), per message, to tell it from
  // the time the delivery machinery itself takes.
  const drawn = new AsyncLocalStorage();
  const policy = lib("outbound/retry-policy.js");
  const decideRetry = policy.decideRetry;
  policy.decideRetry = (failure, attempts, now, ...rest) => {
    const decision = decideRetry(failure, attempts, now, ...rest);
    if (decision.action === "retry") drawn.getStore()?.push(decision.at - now);
    return decision;
  };

  const wasender = await startFakeWasender();
  const queue = new TaskQueue();
  const deps = replyDeps({ wasenderApiUrl: wasender.apiUrl, queue });
  const vendor = benchVendor(`faults${Date.now().toString(36)}`, 0, { apiUrl: wasender.apiUrl });
  await writeVendors(db, [vendor]);
  let series = 0;

  const harness = {
    /** `MESSAGES` greetings whose replies Wasender refuses `failures` times each (all at once, a customer each). */
    async timeReplies(failures) {
      series += 1;
      const customers = Array.from({ length: MESSAGES }, (_, i) => customerPhone(4, series * 1000 + i));
      return Promise.all(customers.map((phone) => drawn.run([], async () => {
        wasender.injectFault({ status: 500, times: failures, path: SEND_PATH, to: phone });
        const { id, body } = messageEvent(phone, "Bonjour");
        const response = await handleWasenderWebhook({ method: "POST", path: `/${vendor.vendorId}`, headers: signedHeaders(vendor.secret), rawBody: Buffer.from(body) });
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
        const messageId = inboundMessageId(id);
        const data = (await db.doc(`vendors/${vendor.vendorId}/conversations/${phone}/messages/${messageId}`).get()).data();
        await handleNewMessage({ vendorId: vendor.vendorId, customer: phone, messageId }, data, deps, new Date().toISOString());
        const [accepted] = await wasender.waitForSends(1, { predicate: (s) => s.to === phone, timeoutMs: 60_000 });
        await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate send would show by now
        const attempts = wasender.requests.filter((r) => r.path === SEND_PATH && JSON.parse(r.body).to === phone);
        const backoff = drawn.getStore().reduce((sum, d) => sum + d, 0);
        return { ms: accepted.at - attempts[0].at, backoff, attempts: attempts.length, sends: wasender.sends.filter((s) => s.to === phone).length };
      })));
    },
  };

  const rows = [];
  const lines = [];
  for (const scenario of SCENARIOS) {
    if (!scenario.measure) {
      rows.push(row({ figure: `faults: ${scenario.name}`, skipped: scenario.skipped }));
      continue;
    }
    const samples = await scenario.measure(harness);
    const times = samples.map((s) => s.ms);
    const own = samples.map((s) => s.ms - s.backoff);
    const sendsPerMessage = Math.max(...samples.map((s) => s.sends));
    const attempts = samples.map((s) => s.attempts);
    const measured = `first failure → accepted p50 ${ms(p50(times))}, max ${ms(Math.max(...times))}; of which drawn backoff p50 ${ms(p50(samples.map((s) => s.backoff)))}, the rest (tasks, claims, records) p50 ${ms(p50(own))}, max ${ms(quantile(own, 1))}; requests to Wasender per message ${Math.min(...attempts)}-${Math.max(...attempts)}`;
    rows.push(row({ figure: `faults: ${scenario.name} (${MESSAGES} messages)`, measured }));
    rows.push(row({ figure: `faults: ${scenario.name}, sends per message`, target: "1", measured: String(sendsPerMessage), pass: samples.every((s) => s.sends === 1) }));
    lines.push(`${scenario.name}: ${measured}`);
    say(`  ${scenario.name}: ${measured}; sends per message ${sendsPerMessage}`);
  }
  await queue.idle();
  await wasender.close();
  await lib("wasender/vendor-wasender-registry.js").getVendorWasenderRegistry().close();
  return {
    rows,
    details: `${MESSAGES} greetings per scenario, from ${MESSAGES} customers at once, each reply refused by the fake Wasender with a 500 the given number of times (its fault injection, by recipient), then accepted. Times run from the first refused request to the accepted one, as the fake Wasender saw them. The retry policy draws each backoff uniformly under 2 s, 4 s, 8 s…, so the total is mostly the draw: the part the delivery machinery itself adds (the scheduled task, the claim and the record transactions) is shown apart. Cloud Tasks is played in process, running each attempt at its scheduled time as production does (the Tasks emulator ignores schedule times and polls a waiting task every second).`,
  };
}
