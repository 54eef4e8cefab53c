import { defineSecret, defineString } from "firebase-functions/params";
import { DEFAULT_PROVIDER_API_HOSTS } from "../model/provider-urls";

/** Where Wasender's API lives unless an instance sets its own `wasenderApiUrl`. */
export const WASENDER_API_URL = defineString("WASENDER_API_URL", {
  default: "https://www.wasenderapi.com/api",
  description: "Wasender API base URL (with its /api path)",
});

/** The WhatsApp Cloud API (Graph) base with its version, for numbers without their own `metaApiUrl`. */
export const META_GRAPH_API_URL = defineString("META_GRAPH_API_URL", {
  default: "https://graph.facebook.com/v25.0",
  description: "WhatsApp Cloud API base URL including the Graph version",
});

/**
 * Where a provider API URL set by a vendor's staff may point (design, "Who may do what (tenants)"):
 * comma-separated host names, `*.` allowed as the left-most label. Operators may set any URL.
 */
export const PROVIDER_API_HOSTS = defineString("PROVIDER_API_HOSTS", {
  default: DEFAULT_PROVIDER_API_HOSTS,
  description: "Hosts a vendor's staff may point a provider API URL at (comma-separated, *.example.com allowed)",
});

/**
 * The Hosting site's public URL, e.g. "https://<project-id>.web.app": where providers post webhooks and
 * payment callbacks, and the base of buyers' pay links. No default: a project that has not set its own
 * (functions/.env.<project-id>) cannot deploy, so a staging project never hands out production URLs.
 */
export const PUBLIC_BASE_URL = defineString("PUBLIC_BASE_URL", {
  description: "Public base URL of this project's Hosting site (https://<project-id>.web.app or your domain)",
  input: {
    text: {
      validationRegex: "^https?://[^\\s/]+(/.*)?$",
      validationErrorMessage: "PUBLIC_BASE_URL must be the Hosting site's URL, e.g. https://<project-id>.web.app",
    },
  },
});

/**
 * Upstash Redis REST credentials for the shared cache, both secrets. A value that is not an http(s)
 * URL (e.g. "none") means no Redis: the cache runs on per-instance memory alone.
 */
export const UPSTASH_REDIS_REST_URL = defineSecret("UPSTASH_REDIS_REST_URL");
export const UPSTASH_REDIS_REST_TOKEN = defineSecret("UPSTASH_REDIS_REST_TOKEN");

/**
 * The key that seals what the configuration cache writes to Redis (vendor snapshots hold API keys and
 * webhook secrets): at least 32 characters, e.g. `openssl rand -base64 32`. Without it (or "none"),
 * the configuration cache keeps to memory even when Redis is set; the rate limiter still uses Redis.
 */
export const CONFIG_CACHE_KEY = defineSecret("CONFIG_CACHE_KEY");

/**
 * The platform's own pay page, for vendors without a `paymentLinkTemplate`. Placeholders: {amount},
 * {reference}, {vendorId}, {currency}.
 */
export const PLATFORM_PAYMENT_LINK = defineString("PLATFORM_PAYMENT_LINK", {
  default: "https://livepay.tech/pay/{vendorId}/{reference}?amount={amount}",
  description: "Payment link template of the platform's pay page",
});
