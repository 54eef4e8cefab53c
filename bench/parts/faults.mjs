// 8. Delivery under faults: how long a reply takes to leave when Wasender fails, and how many times it
// is sent. In this process, the product's webhook, reply trigger and send attempts, with Cloud Tasks
// played by a queue that runs each attempt at its scheduled time (lib/in-process.mjs), against the fake
// Wasender told to answer 500 to a customer's sends once, or three times.
import { AsyncLocalStorage } from "node:async_hooks";
import { startFakeMeta } from "../../scripts/lib/fake-meta.mjs";
import { startFakeWasender } from "../../scripts/lib/fake-wasender.mjs";
import { functionsInProcess, replyDeps, say, TaskQueue } from "../lib/in-process.mjs";
import { ms, p50, quantile } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent, signedHeaders } from "../lib/wasender-events.mjs";

const MESSAGES = 10;
const SEND_PATH = "/api/send-message";

/**
 * Each scenario is one row. `measure(harness)` returns its samples: the time from the first refused
 * Wasender request to the send that went out, and how many sends each message got.
 */
const SCENARIOS = [
  { name: "reply by retry after 1 Wasender 500", measure: (h) => h.timeReplies(1) },
  { name: "reply by retry after 3 Wasender 500s", measure: (h) => h.timeReplies(3) },
  { name: "reply through Meta failover (Wasender 500s)", measure: (h) => h.timeFailover() },
];

export async function run() {
  const { lib, db } = functionsInProcess();
  const { handleWasenderWebhook } = lib("webhooks/wasender-webhook.js");
  const { handleNewMessage } = lib("replies/on-new-message.js");
  const { inboundMessageId } = lib("store/conversations.js");
  // The backoff each retry drew (a uniform draw under 2 s, 4 s, 8 s…), per message, to tell it from
  // the time the delivery machinery itself takes.
  const drawn = new AsyncLocalStorage();
  const policy = lib("outbound/failure.js");
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

  /** A customer's "Bonjour" through the real webhook, then decided in this process as the trigger would. */
  async function greet(v, phone) {
    const { id, body } = messageEvent(phone, "Bonjour");
    const response = await handleWasenderWebhook({
      method: "POST",
      path: `/${v.vendorId}`,
      headers: signedHeaders(v.secret),
      rawBody: Buffer.from(body),
    });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    const messageId = inboundMessageId(id);
    const data = (await db.doc(`vendors/${v.vendorId}/conversations/${phone}/messages/${messageId}`).get()).data();
    await handleNewMessage({ vendorId: v.vendorId, customer: phone, messageId }, data, deps, new Date().toISOString());
  }

  const harness = {
    /** `MESSAGES` greetings whose replies Wasender refuses `failures` times each (all at once, a customer each). */
    async timeReplies(failures) {
      series += 1;
      const customers = Array.from({ length: MESSAGES }, (_, i) => customerPhone(4, series * 1000 + i));
      return Promise.all(
        customers.map((phone) =>
          drawn.run([], async () => {
            wasender.injectFault({ status: 500, times: failures, path: SEND_PATH, to: phone });
            await greet(vendor, phone);
            const [accepted] = await wasender.waitForSends(1, { predicate: (s) => s.to === phone, timeoutMs: 60_000 });
            await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate send would show by now
            const attempts = wasender.requests.filter((r) => r.path === SEND_PATH && JSON.parse(r.body).to === phone);
            const backoff = drawn.getStore().reduce((sum, d) => sum + d, 0);
            return {
              ms: accepted.at - attempts[0].at,
              backoff,
              attempts: attempts.length,
              sends: wasender.sends.filter((s) => s.to === phone).length,
            };
          }),
        ),
      );
    },
  };

  // Failover: a vendor per message (each number has its own circuit), its Wasender refusing every send,
  // its Meta failover number on the fake Meta. The circuit opens after 3 failures (the default).
  const meta = await startFakeMeta();
  harness.timeFailover = async () => {
    series += 1;
    const vendors = Array.from({ length: MESSAGES }, (_, i) =>
      benchVendor(`failover${Date.now().toString(36)}`, i, {
        apiUrl: wasender.apiUrl,
        instance: {
          failoverProvider: "meta",
          metaPhoneNumberId: String(100_000_000_000 + i),
          metaAccessToken: `meta-token-${i}`,
          metaApiUrl: meta.apiUrl,
        },
      }),
    );
    await writeVendors(db, vendors);
    return Promise.all(
      vendors.map((v, i) =>
        drawn.run([], async () => {
          const phone = customerPhone(5, series * 1000 + i);
          wasender.injectFault({ status: 500, times: 1_000, path: SEND_PATH, apiKey: v.apiKey });
          await greet(v, phone);
          const phoneNumberId = String(100_000_000_000 + i);
          const [viaMeta] = await meta.waitForSends(1, {
            predicate: (s) => s.phoneNumberId === phoneNumberId,
            timeoutMs: 60_000,
          });
          await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate send would show by now
          const attempts = wasender.requests.filter((r) => r.path === SEND_PATH && r.apiKey === v.apiKey);
          const backoff = drawn.getStore().reduce((sum, d) => sum + d, 0);
          const sends =
            meta.sends.filter((s) => s.phoneNumberId === phoneNumberId).length +
            wasender.sends.filter((s) => s.apiKey === v.apiKey).length;
          return { ms: viaMeta.at - attempts[0].at, backoff, attempts: attempts.length, sends };
        }),
      ),
    );
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
    rows.push(
      row({
        figure: `faults: ${scenario.name}, sends per message`,
        target: "1",
        measured: String(sendsPerMessage),
        pass: samples.every((s) => s.sends === 1),
      }),
    );
    lines.push(`${scenario.name}: ${measured}`);
    say(`  ${scenario.name}: ${measured}; sends per message ${sendsPerMessage}`);
  }
  await queue.idle();
  await wasender.close();
  await meta.close();
  await lib("providers/services.js").getProviderServices().close();
  return {
    rows,
    details: `${MESSAGES} greetings per scenario, from ${MESSAGES} customers at once, each reply refused by the fake Wasender with a 500 the given number of times (its fault injection, by recipient), then accepted. Times run from the first refused request to the accepted one, as the fake Wasender saw them. The failover scenario gives each message its own vendor whose number fails over to a Cloud API number on the fake Meta: Wasender refuses every send, the circuit opens after 3 failures, and the time runs to the send the fake Meta accepted. The retry policy draws each backoff uniformly under 2 s, 4 s, 8 s…, so the total is mostly the draw: the part the delivery machinery itself adds (the scheduled task, the claim and the record transactions) is shown apart. Cloud Tasks is played in process, running each attempt at its scheduled time as production does (the Tasks emulator ignores schedule times and polls a waiting task every second).`,
  };
}
