// `npm start`: installs and builds what is missing, starts the Wasender, Meta and Unipile sandboxes and the
// emulator suite (Firestore, Functions, Auth, Hosting, plus the Emulator UI where it can be had) with
// emulator-data/ imported, then prints the demo vendors' webhook URLs and how to talk to them.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DEMO_PAYMENT_ACCOUNTS,
  DEMO_VENDORS,
  META_DEMO_VENDORS,
  PAYMENTS_SANDBOX_URL,
  UNIPILE_DEMO_VENDORS,
  WASENDER_DEMO_VENDORS,
} from "./demo/demo-data.mjs";
import { firebaseBin, firebaseConfigPath, prepareEmulators } from "./lib/emulators.mjs";
import { startFakeMeta } from "./lib/fake-meta.mjs";
import { startFakePayments } from "./lib/fake-payments.mjs";
import { startFakeUnipile } from "./lib/fake-unipile.mjs";
import { startFakeWasender } from "./lib/fake-wasender.mjs";
import { FUNCTIONS_REGION, PROJECT_ID, ROOT } from "./lib/paths.mjs";
import { writeLocalSecrets } from "./lib/redis.mjs";
import { emulatorIdToken } from "./lib/emulator-admin.mjs";
import { playDemoLive } from "./lib/demo-live.mjs";
import { ensureConsoleUsers } from "./lib/console-users.mjs";
import { installAndBuild } from "./lib/setup.mjs";

const SANDBOX_PORT = 3900; // functions/.env.local points WASENDER_API_URL here
const META_SANDBOX_PORT = 3901; // and META_GRAPH_API_URL here
const UNIPILE_SANDBOX_PORT = 3902; // the demo Unipile numbers' unipileApiUrl
const PAYMENTS_SANDBOX_PORT = Number(new URL(PAYMENTS_SANDBOX_URL).port); // the demo payment accounts point here
const HOSTING = "http://127.0.0.1:5000";
const FUNCTIONS = `http://127.0.0.1:5001/${PROJECT_ID}/${FUNCTIONS_REGION}`;

await installAndBuild();
const { env, ui } = await prepareEmulators({ wantUi: true });
// No Redis locally: the cache runs on memory ("none" is not a URL); the emulator only needs values.
writeLocalSecrets({ redisUrl: "none", redisToken: "none" });

/** A sent message as the sandboxes print it: one header line, then the text indented. */
function printSend(header, text) {
  console.log(
    `\n${header}\n${String(text ?? "")
      .split("\n")
      .map((line) => `    | ${line}`)
      .join("\n")}`,
  );
}

/** The sandboxes started so far, closed together on the way out. */
const sandboxes = [];

/** Starts a sandbox on its fixed port (functions/.env.local names it), or stops `npm start` with why. */
async function startSandbox(name, port, start) {
  try {
    const started = await start(port);
    sandboxes.push(started);
    console.log(`[start] ${name} sandbox listening on ${started.apiUrl}`);
    return started;
  } catch (error) {
    console.error(
      `[start] port ${port} (the ${name} sandbox) is busy: is another \`npm start\` running? (${error.message})`,
    );
    await Promise.all(sandboxes.map((running) => running.close()));
    process.exit(1);
  }
}

const vendorByKey = new Map(WASENDER_DEMO_VENDORS.map((v) => [v.instance.wasenderApiKey, v.vendorId]));
const vendorByPhoneNumberId = new Map(META_DEMO_VENDORS.map((v) => [v.instance.metaPhoneNumberId, v.vendorId]));
const sandbox = await startSandbox("Wasender", SANDBOX_PORT, (port) =>
  startFakeWasender({
    port,
    sessions: Object.fromEntries(
      WASENDER_DEMO_VENDORS.map((v) => [v.instance.wasenderInstanceId, v.instance.wasenderAccessToken]),
    ),
    onSend(send) {
      const who = vendorByKey.get(send.apiKey) ?? "unknown vendor";
      const media = send.imageUrl ? ` [image ${send.imageUrl}]` : "";
      printSend(
        `[wasender sandbox] msgId ${send.msgId} to ${send.to} from ${who} (key ${send.apiKey})${media}`,
        send.text,
      );
    },
  }),
);
// Only the demo numbers' own tokens are accepted, so a reply sent with the wrong number's token fails
// here as it would at Meta (error 190), instead of being printed.
const metaSandbox = await startSandbox("Meta", META_SANDBOX_PORT, (port) =>
  startFakeMeta({
    port,
    tokens: Object.fromEntries(
      META_DEMO_VENDORS.map((v) => [v.instance.metaPhoneNumberId, v.instance.metaAccessToken]),
    ),
    onSend(send) {
      const who = vendorByPhoneNumberId.get(send.phoneNumberId) ?? "unknown vendor";
      const media = send.type === "text" ? "" : ` [${send.type} ${send.link ?? ""}]`;
      printSend(
        `[meta sandbox] ${send.wamid} to +${send.to} from ${who} (phone number id ${send.phoneNumberId})${media}`,
        send.text ?? send.caption,
      );
    },
  }),
);

// The demo workspace's key and accounts only: a reply with another key or account fails as at Unipile.
const vendorByAccount = new Map(UNIPILE_DEMO_VENDORS.map((v) => [v.instance.unipileAccountId, v.vendorId]));
const unipileSandbox = await startSandbox("Unipile", UNIPILE_SANDBOX_PORT, (port) =>
  startFakeUnipile({
    port,
    apiKeys: [...new Set(UNIPILE_DEMO_VENDORS.map((v) => v.instance.unipileApiKey))],
    accounts: [...vendorByAccount.keys()],
    onSend(send) {
      const who = vendorByAccount.get(send.accountId) ?? "unknown vendor";
      const header = `[unipile sandbox] ${send.messageId} to ${send.attendeeId} from ${who} (account ${send.accountId})`;
      printSend(header, send.text.replace(/\r\n/g, "\n"));
    },
  }),
);

// Wave, PayDunya and Orange Money shapes on one port: prints each checkout; `npm run pay` pays one.
const paymentsSandbox = await startSandbox("payments", PAYMENTS_SANDBOX_PORT, async (port) => {
  const started = await startFakePayments({
    port,
    onCheckout(checkout) {
      const what = `${checkout.provider} checkout ${checkout.id} for ${checkout.account.vendorId}`;
      console.log(
        `\n[payments sandbox] ${what}: ${checkout.amount} ${checkout.currency}, reference ${checkout.reference}`,
      );
      console.log(`    ${checkout.url}`);
    },
    onCallback(callback) {
      console.log(`\n[payments sandbox] callback to ${callback.url} -> ${callback.status} ${callback.answer}`);
    },
  });
  for (const [vendorId, account] of Object.entries(DEMO_PAYMENT_ACCOUNTS)) {
    started.addAccount(vendorId, account, `${HOSTING}/api/webhooks/payments/${account.provider}/${vendorId}`);
  }
  return { ...started, apiUrl: started.url };
});

const firebase = spawn(
  firebaseBin(),
  [
    "emulators:start",
    "--config",
    firebaseConfigPath({ ui }),
    "--project",
    PROJECT_ID,
    "--only",
    "firestore,functions,auth,hosting,tasks",
    "--import",
    join(ROOT, "emulator-data"),
  ],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } },
);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  if (firebase.exitCode === null) firebase.kill("SIGINT");
  await Promise.all(sandboxes.map((running) => running.close()));
  process.exitCode = code;
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
firebase.on("exit", (code) => {
  if (!stopping) console.error(`[start] the emulators stopped (exit ${code})`);
  void stop(code ?? 1).then(() => process.exit(process.exitCode));
});

/** ", Meta failover", ", Cloud API only", ", on Unipile", ", Unipile failover": how a demo number is served. */
function describeMeta(instance) {
  if (instance.provider === "meta") return ", Cloud API only";
  if (instance.provider === "unipile") return ", on Unipile";
  if (instance.failoverProvider === "unipile") return ", Unipile failover";
  return instance.failoverProvider === "meta" ? ", Meta failover" : "";
}

/** A GET answers 405 once the webhook function is loaded, and warms its worker up. */
async function waitForWebhook() {
  for (let i = 0; i < 240 && !stopping; i++) {
    try {
      const res = await fetch(`${HOSTING}/api/webhooks/wasender/${DEMO_VENDORS[0].vendorId}`);
      if (res.status === 405) return true;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  return false;
}

/**
 * The emulator never fires scheduled functions, so every 30 s this runs the reservation-expiry sweep
 * and the self-healing sweep the way production's `expireReservations` and `selfHealingSweep`
 * schedules do, through the admin API.
 */
function startScheduleTicker() {
  let token;
  let tokenAt = 0;
  const tick = async () => {
    if (stopping) return;
    try {
      if (!token || Date.now() - tokenAt > 50 * 60_000) {
        token = await emulatorIdToken({ admin: true });
        tokenAt = Date.now();
      }
      const headers = { authorization: `Bearer ${token}` };
      const res = await fetch(`${HOSTING}/api/admin/jobs/expire-reservations`, { method: "POST", headers });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) console.error(`[start] reservation sweep failed: ${res.status} ${JSON.stringify(body)}`);
      else if (body.expired > 0) console.log(`[start] reservation sweep: ${body.expired} reservation(s) expired`);
      const healing = await fetch(`${HOSTING}/api/admin/jobs/sweep`, { method: "POST", headers });
      const report = await healing.json().catch(() => ({}));
      if (!healing.ok) console.error(`[start] self-healing sweep failed: ${healing.status} ${JSON.stringify(report)}`);
      else if (report.inbound + report.conversations + report.links > 0) {
        console.log(
          `[start] self-healing sweep: ${report.inbound} inbound decided, ${report.conversations} conversation(s) re-driven, ${report.links} link(s) made`,
        );
      }
    } catch (error) {
      if (!stopping) console.error(`[start] scheduled sweeps failed: ${error.message}`);
    }
  };
  const timer = setInterval(() => void tick(), 30_000);
  timer.unref();
}

/** The console's demo accounts, created in the Auth emulator; lines to print, or why they are missing. */
async function consoleLines() {
  try {
    const users = await ensureConsoleUsers();
    const width = Math.max(...users.map((u) => u.email.length));
    return [
      `Operator console: ${HOSTING}/console/ (docs/console.md); demo accounts (local passwords):`,
      ...users.map((u) => `  ${u.email.padEnd(width)}  ${u.password.padEnd(16)} ${u.role}`),
    ];
  } catch (error) {
    return [`Operator console: ${HOSTING}/console/ (the demo accounts could not be created: ${error.message})`];
  }
}

if (await waitForWebhook()) {
  startScheduleTicker();
  // A live in progress on the first demo vendor, for the console's live page.
  void playDemoLive({
    hosting: HOSTING,
    vendor: DEMO_VENDORS[0],
    adminToken: () => emulatorIdToken({ admin: true }),
    stopping: () => stopping,
  });
  const consoleInfo = await consoleLines();
  const lines = [
    "",
    "LivePay is running on the emulators (project demo-livepay).",
    ui
      ? "  Emulator UI:        http://127.0.0.1:4000"
      : "  Emulator UI:        not available on this machine (could not be downloaded); everything else runs",
    `  Wasender sandbox:   ${sandbox.apiUrl} (prints every message the backend sends through Wasender)`,
    `  Meta sandbox:       ${metaSandbox.apiUrl} (prints every message sent through the Cloud API)`,
    `  Unipile sandbox:    ${unipileSandbox.apiUrl} (prints every message sent through Unipile)`,
    `  Faults on command:  POST …/_sandbox/faults (DELETE clears) on ${[sandbox, metaSandbox, unipileSandbox]
      .map((running) => new URL(running.apiUrl).origin)
      .join(", ")}`,
    `  Payments sandbox:   ${paymentsSandbox.url} (Wave, PayDunya, Orange Money shapes: prints every checkout)`,
    "",
    "Webhook URLs (what Wasender, Meta and Unipile post to):",
    ...DEMO_VENDORS.flatMap((v) => [
      `  ${v.vendorId} (${v.config.businessName}, ${v.instance.phoneNumber}${describeMeta(v.instance)})`,
      ...(v.instance.provider === "wasender"
        ? [
            `    ${HOSTING}/api/webhooks/wasender/${v.vendorId}`,
            `    ${FUNCTIONS}/wasenderMessageWebhook/${v.vendorId}`,
          ]
        : []),
      ...(v.instance.metaPhoneNumberId ? [`    ${HOSTING}/api/webhooks/meta/${v.vendorId}`] : []),
      ...(v.instance.provider === "unipile" ? [`    ${HOSTING}/api/webhooks/unipile/${v.vendorId}`] : []),
    ]),
    "",
    "Try it:",
    `  npm run webhook -- ${DEMO_VENDORS[0].vendorId} "Bonjour"`,
    `  npm run webhook -- ${DEMO_VENDORS[0].vendorId} "ROBE1" --from +221771234567`,
    `  npm run webhook -- ${DEMO_VENDORS[0].vendorId} "2" --from +221771234567`,
    `  npm run webhook -- ${DEMO_VENDORS[0].vendorId} "OUI" --from +221771234567`,
    `  npm run pay -- ${DEMO_VENDORS[0].vendorId} <the CMD-... reference the bot gave> [--fail]   (Wave's signed callback)`,
    `  npm run webhook -- ${DEMO_VENDORS[1].vendorId} "help"`,
    ...META_DEMO_VENDORS.filter((v) => v.instance.provider === "meta").map(
      (v) => `  npm run webhook -- ${v.vendorId} "Bonjour" --provider meta`,
    ),
    '  (Meta failover by hand: docs/operations.md, "Meta failover, by hand")',
    ...UNIPILE_DEMO_VENDORS.filter((v) => v.instance.provider === "unipile").map(
      (v) => `  npm run webhook -- ${v.vendorId} "Bonjour" --provider unipile`,
    ),
    '  (Unipile failover by hand: docs/unipile.md, "Unipile failover, by hand")',
    "",
    "Admin API (an ID token from the Auth emulator):",
    "  TOKEN=$(npm run --silent admin-token -- --admin)",
    `  curl -X POST -H "Authorization: Bearer $TOKEN" ${HOSTING}/api/admin/vendors/${DEMO_VENDORS[0].vendorId}/setup-wasender-webhook`,
    "",
    ...consoleInfo,
    "",
    `A live is in progress on ${DEMO_VENDORS[0].vendorId}: a few demo buyers order, one every 20 s (console: #/live).`,
    "Unpaid reservations expire on their own (the sweep runs every 30 s here, every minute when deployed).",
    "Ctrl-C stops everything.",
    "",
  ];
  console.log(lines.join("\n"));
}
