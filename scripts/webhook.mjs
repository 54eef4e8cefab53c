// `npm run webhook -- <vendorId> "<text>" [--from <phone>] [--name <pushName>] [--event <event>]
//                    [--scheme secret|hmac] [--id <messageId>] [--url <base>]`
// Posts a Wasender-shaped message event, signed with the vendor's secret read from the local
// Firestore emulator, to the local webhook. For the emulators only.
import { createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FUNCTIONS_DIR, PROJECT_ID } from "./lib/paths.mjs";

const USAGE = 'usage: npm run webhook -- <vendorId> "<text>" [--from +221771234567] [--name Awa] ' +
  "[--event messages.received|messages.upsert|messages-personal.received] [--scheme secret|hmac] [--id <id>] [--url http://127.0.0.1:5000]";

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: "string", default: "+221771234567" },
      name: { type: "string", default: "Client démo" },
      event: { type: "string", default: "messages.received" },
      scheme: { type: "string", default: "secret" },
      id: { type: "string" },
      url: { type: "string", default: "http://127.0.0.1:5000" },
    },
  });
} catch (error) {
  fail(error.message);
}
const [vendorId, text] = parsed.positionals;
const { from, name, event, scheme, url } = parsed.values;
if (!vendorId || text === undefined) fail("a vendor id and a text are required");
if (!["secret", "hmac"].includes(scheme)) fail(`--scheme must be secret or hmac, not ${scheme}`);
const digits = from.replace(/\D/g, "");
if (digits.length < 8) fail(`--from must be a phone number in international form, not ${from}`);
const host = new URL(url).hostname;
if (!["127.0.0.1", "localhost", "::1"].includes(host)) fail("this command only talks to the local emulators");

process.env.FIRESTORE_EMULATOR_HOST ??= "127.0.0.1:8080";
const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getFirestore } = require("firebase-admin/firestore");
const db = getFirestore(initializeApp({ projectId: PROJECT_ID }));

async function vendorSecret() {
  const config = await db.collection("vendor_configs").doc(vendorId).get();
  const instanceId = config.get("wabaInstanceId");
  if (instanceId) {
    const instance = await db.collection("waba_instances").doc(instanceId).get();
    if (instance.exists) return instance.get("wasenderWebhookSecret");
  }
  const instances = await db.collection("waba_instances").where("vendorId", "==", vendorId).limit(1).get();
  return instances.docs[0]?.get("wasenderWebhookSecret");
}

let secret;
try {
  secret = await vendorSecret();
} catch (error) {
  fail(`cannot read the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}: is \`npm start\` running? (${error.message})`);
}
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
  event === "messages.upsert" ? { messages: [message] } : event.startsWith("messages-") ? message : { messages: message };
const body = JSON.stringify({ event, timestamp: Math.floor(Date.now() / 1000), data });
const headers = { "content-type": "application/json" };
if (secret && scheme === "secret") headers["x-webhook-signature"] = secret;
if (secret && scheme === "hmac") headers["x-wasender-signature"] = createHmac("sha256", secret).update(body).digest("hex");

const target = `${url.replace(/\/+$/, "")}/api/webhooks/wasender/${encodeURIComponent(vendorId)}`;
try {
  const response = await fetch(target, { method: "POST", headers, body });
  console.log(`POST ${target} -> ${response.status}`);
  console.log(await response.text());
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  fail(`cannot reach ${target}: is \`npm start\` running? (${error.message})`);
}
