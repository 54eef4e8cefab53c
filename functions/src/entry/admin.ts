import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { handleAdminRequest } from "../admin/admin-api";
import { PROVIDER_API_HOSTS, PUBLIC_BASE_URL } from "../config/params";
import { serveHttp } from "../http/handler";
import { runSelfHealing } from "../replies/self-healing";
import { orderDeps } from "./order-deps";
import { replyDeps } from "./reply-deps";

/** /api/admin/vendors/{vendorId}/...: webhook registration, session status, vendor-started messages; jobs. */
export const adminApi = onRequest(
  { invoker: "public", memory: "256MiB", timeoutSeconds: 300 },
  serveHttp("adminApi", (request) =>
    handleAdminRequest(request, {
      // The reservation job serves waiting lines too: it needs the pay link's parts.
      ...orderDeps(),
      publicBaseUrl: () => PUBLIC_BASE_URL.value(),
      providerApiHosts: () => PROVIDER_API_HOSTS.value(),
      sweep: () => runSelfHealing(replyDeps()),
    }),
  ),
);
