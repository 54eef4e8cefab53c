import { logger } from "../shared/logger";
import { landKeptStatuses } from "../outbound/links";
import { retryLinks, STALE_MS, sweepOutbound } from "../outbound/sweep";
import { redriveStuckInbound, type ReplyDeps } from "./reply-to-inbound";

/** An inbound message pending this long lost its trigger run (a live one decides in well under a second). */
export const STUCK_INBOUND_MS = 2 * 60_000;

/**
 * The self-healing sweep, every minute (and on demand through the admin API): decides inbound
 * messages whose trigger died, gives lost send tasks back, re-drives sends whose lease expired, and
 * retries failed WhatsApp id lookups. Each step is idempotent, so running it twice, or beside a normal
 * run, sends nothing twice. A status kept aside while its message got its id lands.
 */
export async function runSelfHealing(deps: ReplyDeps): Promise<Record<string, number>> {
  const inbound = await redriveStuckInbound(deps, STUCK_INBOUND_MS);
  const conversations = await sweepOutbound(deps, { staleMs: STALE_MS });
  const links = await retryLinks(deps);
  const statuses = await landKeptStatuses();
  const report = { inbound, conversations, links, statuses };
  if (inbound + conversations + links + statuses > 0) logger.info("self-healing sweep", report);
  return report;
}
