import { META_GRAPH_API_URL, PROVIDER_API_HOSTS, WASENDER_API_URL } from "../config/params";
import { ProviderRegistry } from "../providers/registry";
import { CloudTasksScheduler, type OutboundDeps } from "../outbound/dispatch";

let outbound: OutboundDeps | undefined;

/** Providers and the send-attempt queue, built on first use (params are read at run time, not at deploy). */
export const outboundDeps = (): OutboundDeps =>
  (outbound ??= {
    providers: new ProviderRegistry(() => WASENDER_API_URL.value(), {
      metaApiUrl: () => META_GRAPH_API_URL.value(),
      providerApiHosts: () => PROVIDER_API_HOSTS.value(),
    }),
    scheduler: new CloudTasksScheduler(),
  });
