// A live in progress for `npm start`: a few demo buyers of the first demo vendor go through the real path
// (a keyword, OUI, a payment marked in the console, a buyer asking for a person), a new one every 20 s,
// so the console's live page (#/live) has something to show. Local emulators only.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Who writes, what they write, and whether the vendor then marks their order paid. The demo vendor has
 * delivery zones: after OUI a buyer answers the zone's number and the address, then is reserved.
 */
export const BUYERS = [
  { phone: "+221770100001", name: "Fatou", says: ["ROBE1 1", "OUI", "1", "Rue 12, Plateau"], pays: true },
  { phone: "+221770100002", name: "Moussa", says: ["BOUBOU1 1", "OUI", "3", "Unité 14, villa 210"], pays: true },
  { phone: "+221770100003", name: "Aminata", says: ["ROBE1 2", "OUI", "2", "Rue 6 x 11, Médina"] },
  { phone: "+221770100004", name: "Ibrahima", says: ["ROBE1"] },
  { phone: "+221770100005", name: "Khady", says: ["BOUBOU1"] },
  { phone: "+221770100006", name: "Ousmane", says: ["HUMAIN"] },
];

/** One buyer's message, as Wasender posts it, signed with the number's webhook secret. */
async function say(hosting, vendor, buyer, text) {
  const digits = buyer.phone.slice(1);
  const message = {
    key: {
      id: `3EB0${randomBytes(8).toString("hex").toUpperCase()}`,
      fromMe: false,
      remoteJid: `${digits}@s.whatsapp.net`,
      addressingMode: "pn",
      senderPn: `${digits}@s.whatsapp.net`,
      cleanedSenderPn: digits,
    },
    pushName: buyer.name,
    messageTimestamp: Math.floor(Date.now() / 1000),
    messageBody: text,
    message: { conversation: text },
  };
  const body = JSON.stringify({
    event: "messages.received",
    timestamp: Math.floor(Date.now() / 1000),
    data: { messages: message },
  });
  const res = await fetch(`${hosting}/api/webhooks/wasender/${vendor.vendorId}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-webhook-signature": vendor.instance.wasenderWebhookSecret },
    body,
  });
  if (!res.ok) throw new Error(`the demo buyer's message got ${res.status}`);
}

/** Marks the buyer's reserved order paid, as the vendor does on the Orders page. */
async function markPaid(hosting, vendor, buyer, token) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let tries = 0; tries < 20; tries++) {
    const list = await (await fetch(`${hosting}/api/admin/vendors/${vendor.vendorId}/orders`, { headers })).json();
    const order = (list.orders ?? []).find((o) => o.customer === buyer.phone && o.status === "reserved");
    if (order) {
      await fetch(`${hosting}/api/admin/vendors/${vendor.vendorId}/orders/${order.reference}/status`, {
        method: "POST",
        headers,
        body: JSON.stringify({ status: "paid" }),
      });
      return;
    }
    await sleep(500);
  }
}

/**
 * One buyer's part: their messages, `pauseMs` apart (a person typing), then (for a buyer who pays) the
 * vendor marking it paid.
 */
export async function playBuyer({ hosting, vendor, buyer, adminToken, pauseMs = 1500 }) {
  for (const text of buyer.says) {
    await say(hosting, vendor, buyer, text);
    await sleep(pauseMs);
  }
  if (buyer.pays) await markPaid(hosting, vendor, buyer, await adminToken());
}

/** Plays the demo live in the background; stops when `stopping()` says so. Never throws. */
export async function playDemoLive({ hosting, vendor, adminToken, stopping }) {
  try {
    for (const [index, buyer] of BUYERS.entries()) {
      if (stopping()) return;
      await playBuyer({ hosting, vendor, buyer, adminToken });
      if (index >= 2) await sleep(20_000);
    }
  } catch (error) {
    if (!stopping()) console.error(`[start] the demo live stopped: ${error.message}`);
  }
}
