// `npm run webhook -- <vendorId> "<text>" [options]`: posts what Wasender (default), Meta
// (`--provider meta`) or Unipile (`--provider unipile`, with its Unipile-Auth header) would post for a customer's message, signed with the vendor's secret read from the
// local Firestore emulator, to the local webhook. `--event session.status` posts a session change instead
// (the text is the status); `--provider meta --verify` makes Meta's GET verification. Emulators only.
import { createHmac, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { emulatorFirestore } from "./lib/emulator-admin.mjs";
import { metaSignature, metaTextEvent, metaVerifyUrl, metaWebhookPath } from "./lib/meta-webhook.mjs";
import {
  UNIPILE_AUTH_HEADER,
  unipileAccountStatusEvent,
  unipileTextEvent,
  unipileWebhookPath,
} from "./lib/unipile-webhook.mjs";

const WASENDER_EVENTS = [
  "messages.received",
  "messages.upsert",
  "messages-personal.received",
  "message.personal.received",
  "session.status",
];
const USAGE = [
  'usage: npm run webhook -- <vendorId> "<text>" [--from +221771234567] [--name Awa] [--id <messageId>] [--url http://127.0.0.1:5000]',
  "         Wasender (default): [--event messages.received|messages.upsert|messages-personal.received] [--scheme secret|hmac]",
  "                             --event session.status: the text is the session status (connected, need_scan, disconnected, ...)",
  "         Meta:               --provider meta   (signed with the instance's metaAppSecret, to /api/webhooks/meta/<vendorId>)",
  "                             --provider meta --verify   (no text: Meta's GET verification with the instance's metaVerifyToken)",
  "         Unipile:            --provider unipile   (with the instance's unipileWebhookSecret as Unipile-Auth, to /api/webhooks/unipile/<vendorId>)",
  "                             --provider unipile --event account_status: the text is the account status (OK, CREDENTIALS, RECONNECTED, ...)",
].join("\n");

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      provider: { type: "string", default: "wasender" },
      from: { type: "string", default: "+221771234567" },
      name: { type: "string", default: "Client démo" },
      // No defaults here: a Wasender-only option given with --provider meta must be noticed.
      event: { type: "string" },
      scheme: { type: "string" },
      verify: { type: "boolean", default: false },
      id: { type: "string" },
      url: { type: "string", default: "http://127.0.0.1:5000" },
    },
  });
} catch (error) {
  fail(error.message);
}
const [vendorId, text] = parsed.positionals;
const { provider, from, name, verify, url } = parsed.values;
if (!["wasender", "meta", "unipile"].includes(provider))
  fail(`--provider must be wasender, meta or unipile, not ${provider}`);
if (!vendorId) fail("a vendor id is required");
if (provider === "meta") {
  if (parsed.values.event || parsed.values.scheme)
    fail("--event and --scheme are Wasender options; Meta events are always signed with X-Hub-Signature-256");
  if (!verify && text === undefined) fail("a text is required (or --verify for Meta's GET verification)");
  if (verify && text !== undefined) fail("--verify takes no text");
} else if (provider === "unipile") {
  if (verify || parsed.values.scheme)
    fail("--verify and --scheme are not Unipile options: Unipile sends the Unipile-Auth header");
  if (parsed.values.event && parsed.values.event !== "account_status")
    fail("--event with --provider unipile can only be account_status");
  if (text === undefined) fail("a text is required (the message, or with --event account_status the status)");
} else {
  if (verify) fail("--verify is Meta's verification: add --provider meta");
  if (text === undefined) fail("a vendor id and a text are required");
}
const event = parsed.values.event ?? "messages.received";
const scheme = parsed.values.scheme ?? "secret";
if (provider === "wasender" && !WASENDER_EVENTS.includes(event))
  fail(`--event must be one of ${WASENDER_EVENTS.join(", ")}, not ${event}`);
if (!["secret", "hmac"].includes(scheme)) fail(`--scheme must be secret or hmac, not ${scheme}`);
const digits = from.replace(/\D/g, "");
if (digits.length < 8) fail(`--from must be a phone number in international form, not ${from}`);
if (!["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname))
  fail("this command only talks to the local emulators");
const base = url.replace(/\/+$/, "");

const db = emulatorFirestore();

/** The vendor's instances, the one its config names first (the number replies go out from). */
async function vendorInstances() {
  const config = await db.collection("vendor_configs").doc(vendorId).get();
  const mainId = config.get("wabaInstanceId");
  const all = await db.collection("waba_instances").where("vendorId", "==", vendorId).get();
  return [...all.docs].sort((a, b) => (b.id === mainId) - (a.id === mainId));
}

let instances;
try {
  instances = await vendorInstances();
} catch (error) {
  fail(
    `cannot read the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}: is \`npm start\` running? (${error.message})`,
  );
}

/** Sends and prints the answer; exits 0 on a 2xx (and, for a verification, the challenge echoed). */
async function send(method, target, init, expectBody) {
  try {
    const response = await fetch(target, { method, ...init });
    const answer = await response.text();
    console.log(`${method} ${target} -> ${response.status}`);
    console.log(answer);
    // Hosting's own HTML 404 (not the backend's JSON one): nothing serves that path in this build.
    if (response.status === 404 && (response.headers.get("content-type") ?? "").includes("text/html")) {
      console.error(`note: Hosting has no route for ${new URL(target).pathname}: this build has no function behind it`);
    }
    const ok = response.ok && (expectBody === undefined || answer === expectBody);
    if (response.ok && !ok) console.error(`expected the challenge ${expectBody} as the body`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    fail(`cannot reach ${target}: is \`npm start\` running? (${error.message})`);
  }
}

if (provider === "meta") {
  // A failover (Wasender number with a Meta one beside it) or a Cloud-API-only number.
  const instance = instances.find((doc) => doc.get("metaPhoneNumberId"));
  if (instances.length === 0) {
    fail(
      `no waba_instances document for ${vendorId} in the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}: is \`npm start\` running, and is the vendor id right?`,
    );
  }
  if (!instance) {
    fail(
      `${vendorId} has no waba_instances document with metaPhoneNumberId (a "meta" failover or a provider "meta" number)`,
    );
  }
  const meta = instance.data();
  if (verify) {
    if (!meta.metaVerifyToken)
      fail(`waba_instances/${instance.id} has no metaVerifyToken: it cannot receive Meta's webhooks`);
    const { url: target, challenge } = metaVerifyUrl(base, vendorId, { verifyToken: meta.metaVerifyToken });
    await send("GET", target, {}, challenge);
  }
  const body = JSON.stringify(
    metaTextEvent({
      phoneNumberId: meta.metaPhoneNumberId,
      // The instance stores the Wasender number (or, for provider "meta", the Cloud API one); the
      // backend routes on phone_number_id alone.
      displayPhoneNumber: meta.phoneNumber ?? "",
      from: digits,
      name,
      text,
      id: parsed.values.id,
    }),
  );
  const headers = { "content-type": "application/json" };
  if (meta.metaAppSecret) headers["x-hub-signature-256"] = metaSignature(body, meta.metaAppSecret);
  else console.error(`note: waba_instances/${instance.id} has no metaAppSecret; sending unsigned (expect 401)`);
  await send("POST", `${base}${metaWebhookPath(vendorId)}`, { headers, body });
}

if (provider === "unipile") {
  // A Unipile number (provider "unipile"): its account id routes, its secret authenticates.
  const instance = instances.find((doc) => doc.get("unipileAccountId") && doc.get("unipileWebhookSecret"));
  if (instances.length === 0) {
    fail(
      `no waba_instances document for ${vendorId} in the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}: is \`npm start\` running, and is the vendor id right?`,
    );
  }
  if (!instance)
    fail(
      `${vendorId} has no waba_instances document with unipileAccountId and unipileWebhookSecret (a provider "unipile" number)`,
    );
  const accountId = instance.get("unipileAccountId");
  const body = JSON.stringify(
    parsed.values.event === "account_status"
      ? unipileAccountStatusEvent({ accountId, status: text })
      : unipileTextEvent({ accountId, from: digits, name, text, id: parsed.values.id }),
  );
  // Webhooks created by Unipile's API send no JSON content type: neither does this.
  await send("POST", `${base}${unipileWebhookPath(vendorId)}`, {
    headers: { [UNIPILE_AUTH_HEADER]: instance.get("unipileWebhookSecret") },
    body,
  });
}

// Wasender: the number whose secret the vendor's main instance holds.
const instance = instances[0];
const secret = instance?.get("wasenderWebhookSecret");
if (!secret) console.error(`note: no webhook secret found for ${vendorId}; sending unsigned (expect 401 or 404)`);

const message = {
  key: {
    id: parsed.values.id ?? `3EB0${randomBytes(8).toString("hex").toUpperCase()}`,
    fromMe: false,
    remoteJid: `${digits}@s.whatsapp.net`,
    addressingMode: "pn",
    senderPn: `${digits}@s.whatsapp.net`,
    cleanedSenderPn: digits,
  },
  pushName: name,
  messageTimestamp: Math.floor(Date.now() / 1000),
  messageBody: text,
  message: { conversation: text },
};
const data =
  event === "session.status"
    ? { status: text, session_id: instance?.get("wasenderInstanceId") }
    : event === "messages.upsert"
      ? { messages: [message] }
      : event.startsWith("messages-")
        ? message
        : { messages: message };
const body = JSON.stringify({ event, timestamp: Math.floor(Date.now() / 1000), data });
const headers = { "content-type": "application/json" };
if (secret && scheme === "secret") headers["x-webhook-signature"] = secret;
if (secret && scheme === "hmac")
  headers["x-wasender-signature"] = createHmac("sha256", secret).update(body).digest("hex");
// One URL per session takes every event (README, "Status and connection webhooks").
await send("POST", `${base}/api/webhooks/wasender/${encodeURIComponent(vendorId)}`, { headers, body });
