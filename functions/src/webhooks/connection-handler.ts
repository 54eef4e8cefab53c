import { logger } from "../shared/logger";
import { describeIssues } from "../model/common";
import { recordSessionStatus } from "../store/waba-instances";
import { recordQrCode } from "../store/waba-runtime";
import {
  CONNECTION_EVENTS,
  instanceStatusFor,
  qrCodeDataSchema,
  sessionStatusDataSchema,
} from "../wasender/session-payloads";
import { errorResponse, type WebhookResponse } from "../http/handler";
import type { VerifiedEvent } from "./verified-event";

export { CONNECTION_EVENTS };

/**
 * `session.status` and `qrcode.updated` of the instance the request was signed for: kept on its runtime
 * document; the instance itself changes only when its `status` does.
 */
export async function handleConnectionEvent({ vendorId, instance, envelope }: VerifiedEvent): Promise<WebhookResponse> {
  const { event, data } = envelope;
  if (event === "qrcode.updated") {
    const parsed = qrCodeDataSchema.safeParse(data);
    if (!parsed.success)
      return errorResponse(400, "invalid_event", "qrcode.updated needs data.qr.", {
        problems: describeIssues(parsed.error),
      });
    await recordQrCode(instance.id, parsed.data.qr);
    logger.info("session qr code updated", { vendorId, wabaInstanceId: instance.id });
    return { status: 200, body: { ok: true, event, wabaInstanceId: instance.id } };
  }
  const parsed = sessionStatusDataSchema.safeParse(data);
  if (!parsed.success) {
    return errorResponse(
      400,
      "invalid_event",
      "session.status needs data.status (connecting, connected, disconnected, need_scan, logged_out, expired, error).",
      {
        problems: describeIssues(parsed.error),
      },
    );
  }
  const sessionStatus = parsed.data.status;
  const status = instanceStatusFor(sessionStatus);
  await recordSessionStatus(instance.id, sessionStatus, status);
  logger.info("session status", { vendorId, wabaInstanceId: instance.id, sessionStatus, status });
  return { status: 200, body: { ok: true, event, wabaInstanceId: instance.id, sessionStatus, status } };
}
