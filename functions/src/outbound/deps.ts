import type { Providers } from "../messaging/provider";
import type { AttemptScheduler } from "./dispatch";

/** What outbound delivery needs from its host: the providers to send with, and the send-attempt queue. */
export interface OutboundDeps {
  providers: Providers;
  scheduler: AttemptScheduler;
}
