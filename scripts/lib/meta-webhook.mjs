// What Meta posts to a vendor's webhook, built the way Meta builds it: used by `npm run webhook --
// --provider meta` and checked by a unit test against the backend's own parser and signature check,
// so the command and the backend cannot drift apart while no endpoint is there to try it on.
import { createHmac, randomBytes } from "node:crypto";

/** The public path Meta posts to (and verifies with a GET), per vendor. */
export function metaWebhookPath(vendorId) {
  return `/api/webhooks/meta/${encodeURIComponent(vendorId)}`;
}

/** A wamid-shaped id: Meta's are base64 after "wamid."; base64url keeps "/" out (ids become document ids). */
export function newWamid() {
  return `wamid.HBgL${randomBytes(18).toString("base64url")}`;
}

/**
 * A customer's text message as one `messages` change of a `whatsapp_business_account` event.
 * @param {object} options
 * @param {string} options.phoneNumberId the receiving number's Meta id (the backend routes on it)
 * @param {string} options.displayPhoneNumber the receiving number, any form (sent as digits)
 * @param {string} options.from the customer, any form with its country code (sent as digits, no "+")
 * @param {string} options.text
 * @param {string} [options.name] the customer's profile name
 * @param {string} [options.id] the message id (default: a new wamid)
 * @param {number} [options.timestamp] Unix seconds (default: now)
 * @param {string} [options.wabaId] the WhatsApp Business Account id; the backend does not read it
 */
export function metaTextEvent({ phoneNumberId, displayPhoneNumber, from, text, name, id, timestamp, wabaId = "0" }) {
  const wa = digits(from);
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: digits(displayPhoneNumber), phone_number_id: phoneNumberId },
              ...(name && { contacts: [{ profile: { name }, wa_id: wa }] }),
              messages: [
                {
                  from: wa,
                  id: id ?? newWamid(),
                  // Meta sends Unix seconds as a string.
                  timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

/**
 * `X-Hub-Signature-256`: the HMAC-SHA256 of the exact bytes sent, keyed with the app secret. Sign the
 * string that is posted, never a re-serialized copy (accents and emoji would not survive).
 */
export function metaSignature(rawBody, appSecret) {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/** The GET Meta makes to verify a webhook URL: the backend must answer `challenge` as the body. */
export function metaVerifyUrl(baseUrl, vendorId, { verifyToken, challenge = String(randomBytes(4).readUInt32BE()) }) {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}${metaWebhookPath(vendorId)}`);
  url.searchParams.set("hub.mode", "subscribe");
  url.searchParams.set("hub.verify_token", verifyToken);
  url.searchParams.set("hub.challenge", challenge);
  return { url: url.toString(), challenge };
}

function digits(phone) {
  return String(phone ?? "").replace(/\D/g, "");
}
