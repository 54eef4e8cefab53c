import { logger } from "../shared/logger";
import { constantTimeEquals } from "../shared/crypto";
import {
  errorResponse,
  header,
  MAX_BODY_BYTES,
  parseJsonBody,
  type WebhookRequest,
  type WebhookResponse,
} from "../http/handler";
import { receivesUnipile, type MessagingInstance } from "../model/waba-instance";
import { recordSessionStatus } from "../store/waba-instances";
import { storeInbound } from "../store/conversations";
import {
  instanceStatusForAccount,
  interpretUnipileMessage,
  parseUnipileEvent,
  type UnipileEvent,
} from "../unipile/webhook-payloads";
import type { Authenticator } from "./authenticate";
import { RejectionLog } from "./rejection-log";
import { admitRequest, admitted, defaultGateState, type GateState } from "./vendor-gate";
import { parseVendorPath, UNIPILE_ROUTE } from "./vendor-path";

/** The header we ask Unipile to send on every webhook call (Unipile signs nothing). */
export const UNIPILE_AUTH_HEADER = "unipile-auth";

const rejections = new RejectionLog();

/** The vendor's Unipile numbers whose `unipileWebhookSecret` is the one the request carries. */
function signedBy(request: WebhookRequest, instances: MessagingInstance[]): MessagingInstance[] {
  const given = header(request, UNIPILE_AUTH_HEADER);
  if (given === undefined) return [];
  return instances
    .filter(receivesUnipile)
    .filter((instance) => constantTimeEquals(given.trim(), instance.unipileWebhookSecret!));
}

const unipileAuthenticator: Authenticator<MessagingInstance> = {
  authenticate(request, instances) {
    if (header(request, UNIPILE_AUTH_HEADER) === undefined) {
      return {
        ok: false,
        code: "missing_signature",
        message: "Missing Unipile-Auth (the secret given when the Unipile webhook was created).",
      };
    }
    const [instance] = signedBy(request, instances);
    if (instance) return { ok: true, instance };
    return {
      ok: false,
      code: "invalid_signature",
      message: "The Unipile-Auth header does not match this vendor's unipileWebhookSecret.",
    };
  },
  signed: (request) => header(request, UNIPILE_AUTH_HEADER) !== undefined,
};

/**
 * `POST /api/webhooks/unipile/{vendorId}`: Unipile's messaging and account_status events for the
 * vendor's Unipile numbers. Authenticated by `Unipile-Auth` (constant time, before the body is read),
 * then routed by `account_id` to the number with that account whose secret it is: an account of no
 * such number writes nothing. Answers only after the event's writes (Unipile retries a non-200).
 */
export async function handleUnipileWebhook(
  request: WebhookRequest,
  state: GateState = defaultGateState(),
): Promise<WebhookResponse> {
  if (request.method !== "POST")
    return { ...errorResponse(405, "method_not_allowed", "Use POST."), headers: { Allow: "POST" } };
  const target = parseVendorPath(request.path, UNIPILE_ROUTE);
  if (!target.ok) return errorResponse(404, "not_found", target.reason);
  const { vendorId } = target;
  const rawBody = request.rawBody ?? Buffer.alloc(0);
  if (rawBody.length > MAX_BODY_BYTES) {
    return errorResponse(
      413,
      "payload_too_large",
      `The body is ${rawBody.length} bytes; the limit is ${MAX_BODY_BYTES}.`,
    );
  }
  const gate = admitted(
    vendorId,
    await admitRequest(vendorId, request, unipileAuthenticator, state),
    (instances) => instances.some(receivesUnipile),
    (problems) =>
      errorResponse(
        409,
        "no_usable_instance",
        `Vendor "${vendorId}" has no usable Unipile number (unipileAccountId, unipileWebhookSecret).`,
        { problems },
      ),
    rejections,
  );
  if (!gate.ok) return gate.response;

  // Webhooks created by API carry no JSON content type: the body is read as JSON whatever it says.
  const body = parseJsonBody(rawBody);
  if (!body.ok) return body.response;
  const parsed = parseUnipileEvent(body.json);
  if (!parsed.ok)
    return errorResponse(400, "invalid_event", `The body is not a Unipile webhook event: ${parsed.error}.`);
  const { accountId } = parsed.event;
  const instance = signedBy(request, gate.instances).find((candidate) => candidate.unipileAccountId === accountId);
  if (!instance) {
    const owned = gate.instances.some(
      (candidate) => receivesUnipile(candidate) && candidate.unipileAccountId === accountId,
    );
    if (owned) {
      rejections.note(vendorId, "invalid_signature");
      return errorResponse(
        401,
        "invalid_signature",
        "The Unipile-Auth header is not the secret of the number with this account_id; nothing was recorded.",
      );
    }
    logger.warn("unipile webhook names another account", { vendorId, accountId: accountId.slice(0, 60) });
    return errorResponse(
      403,
      "unknown_number",
      `account_id is not a Unipile account of vendor "${vendorId}"; nothing was recorded.`,
    );
  }
  return apply(vendorId, instance, parsed.event);
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
