import { logger } from "../shared/logger";
import { constantTimeEquals } from "../shared/crypto";
import { pass, refuse } from "../http/admission";
import { errorResponse, type WebhookResponse } from "../http/handler";
import { receivesUnipile, type MessagingInstance } from "../model/waba-instance";
import { recordSessionStatus } from "../store/waba-instances";
import { storeInbound } from "../store/conversations";
import {
  instanceStatusForAccount,
  interpretUnipileMessage,
  parseUnipileEvent,
  type UnipileEvent,
} from "../unipile/webhook-payloads";
import { headerAuthenticator } from "./authenticate";
import { RejectionLog } from "./rejection-log";
import { vendorWebhook, type SignedRequest } from "./vendor-gate";
import { UNIPILE_ROUTE } from "./vendor-path";

/** The header we ask Unipile to send on every webhook call (Unipile signs nothing). */
export const UNIPILE_AUTH_HEADER = "unipile-auth";

/** Unipile signs nothing: every number whose `unipileWebhookSecret` is the header's value sent it. */
const unipileAuthenticator = headerAuthenticator({
  header: UNIPILE_AUTH_HEADER,
  candidates: (instances) => instances.filter(receivesUnipile),
  matches: (given, instance) => constantTimeEquals(given.trim(), instance.unipileWebhookSecret!),
  missing: "Missing Unipile-Auth (the secret given when the Unipile webhook was created).",
  invalid: "The Unipile-Auth header does not match this vendor's unipileWebhookSecret.",
});

const rejections = new RejectionLog();

// Webhooks created by API carry no JSON content type: the body is read as JSON whatever it says.
const readEvent = (json: unknown) => {
  const parsed = parseUnipileEvent(json);
  if (parsed.ok) return pass(parsed.event);
  return refuse(errorResponse(400, "invalid_event", `The body is not a Unipile webhook event: ${parsed.error}.`));
};

/**
 * `POST /api/webhooks/unipile/{vendorId}`: Unipile's messaging and account_status events for the
 * vendor's Unipile numbers. Authenticated by `Unipile-Auth` (constant time, before the body is read),
 * then routed by `account_id` to the number with that account whose secret it is: an account of no
 * such number writes nothing. Answers only after the event's writes (Unipile retries a non-200).
 */
export const handleUnipileWebhook = vendorWebhook(
  {
    route: UNIPILE_ROUTE,
    authenticator: unipileAuthenticator,
    hasNumber: (instances) => instances.some(receivesUnipile),
    noNumber: (vendorId, problems) =>
      errorResponse(
        409,
        "no_usable_instance",
        `Vendor "${vendorId}" has no usable Unipile number (unipileAccountId, unipileWebhookSecret).`,
        { problems },
      ),
    rejections,
    read: readEvent,
  },
  toAccount,
);

/** The event to the signing number with its `account_id`. */
function toAccount(signed: SignedRequest<MessagingInstance>, event: UnipileEvent): Promise<WebhookResponse> {
  const { vendorId } = signed;
  const { accountId } = event;
  const instance = signed.signers.find((candidate) => candidate.unipileAccountId === accountId);
  if (!instance) {
    const owned = signed.instances.some(
      (candidate) => receivesUnipile(candidate) && candidate.unipileAccountId === accountId,
    );
    if (owned) {
      rejections.note(vendorId, "invalid_signature");
      return Promise.resolve(
        errorResponse(
          401,
          "invalid_signature",
          "The Unipile-Auth header is not the secret of the number with this account_id; nothing was recorded.",
        ),
      );
    }
    logger.warn("unipile webhook names another account", { vendorId, accountId: accountId.slice(0, 60) });
    return Promise.resolve(
      errorResponse(
        403,
        "unknown_number",
        `account_id is not a Unipile account of vendor "${vendorId}"; nothing was recorded.`,
      ),
    );
  }
  return apply(vendorId, instance, event);
}

async function apply(vendorId: string, instance: MessagingInstance, event: UnipileEvent): Promise<WebhookResponse> {
  if (event.kind === "account_status") {
    if (instance.provider !== "unipile") {
      // A failover account: the number's health is its Wasender session's; this one is only logged.
      logger.info("unipile failover account status", {
        vendorId,
        wabaInstanceId: instance.id,
        accountStatus: event.status,
      });
      return {
        status: 200,
        body: {
          ok: true,
          event: "account_status",
          ignored: "the number is on Wasender: its Wasender session gives its status",
        },
      };
    }
    const status = instanceStatusForAccount(event.status);
    const sessionStatus = event.status.trim().toLowerCase();
    await recordSessionStatus(instance.id, sessionStatus, status);
    logger.info("unipile account status", { vendorId, wabaInstanceId: instance.id, sessionStatus, status });
    return {
      status: 200,
      body: { ok: true, event: "account_status", wabaInstanceId: instance.id, sessionStatus, status },
    };
  }
  const { event: messaging } = event;
  if (instance.provider !== "unipile") {
    return {
      status: 200,
      body: {
        ok: true,
        event: messaging.event,
        ignored: "the number receives through Wasender; Unipile only sends for it",
      },
    };
  }
  const outcome = interpretUnipileMessage(messaging, instance.phoneNumber);
  if (outcome.outcome === "invalid")
    return errorResponse(
      400,
      "invalid_message",
      `The "${messaging.event}" event carries no readable message: ${outcome.reason}`,
    );
  if (outcome.outcome === "ignored") {
    logger.info("unipile event ignored", {
      vendorId,
      wabaInstanceId: instance.id,
      event: messaging.event,
      reason: outcome.reason,
    });
    return { status: 200, body: { ok: true, event: messaging.event, ignored: outcome.reason } };
  }
  const stored = await storeInbound(vendorId, instance.id, { ...outcome.message, channel: "unipile" });
  logger.info("unipile message", { vendorId, wabaInstanceId: instance.id, outcome: stored });
  return {
    status: 200,
    body: {
      ok: true,
      event: messaging.event,
      results: [{ outcome: stored, waMessageId: outcome.message.waMessageId }],
    },
  };
}
