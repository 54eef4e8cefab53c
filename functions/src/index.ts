/**
 * The deployed functions, each defined in its module under entry/ with what it needs (entry/global sets
 * up the Admin app and the global options). A function instance serves one function: the runtime names
 * it in FUNCTION_TARGET and reads that export alone. So each export loads its module when it is read,
 * and a webhook's instance never loads the chat engine, the admin API or the send path (README, "Cold
 * start"). Deploying, and the emulator's discovery, read every export.
 */
const functions: Record<string, () => unknown> = {
  wasenderMessageWebhook: () => webhooks().wasenderMessageWebhook,
  wasenderStatusWebhook: () => webhooks().wasenderStatusWebhook,
  wasenderConnectionWebhook: () => webhooks().wasenderConnectionWebhook,
  metaWebhook: () => (require("./entry/meta-webhook") as typeof import("./entry/meta-webhook")).metaWebhook,
  unipileWebhook: () => (require("./entry/unipile-webhook") as typeof import("./entry/unipile-webhook")).unipileWebhook,
  paymentWebhook: () => (require("./entry/payments") as typeof import("./entry/payments")).paymentWebhook,
  payLink: () => (require("./entry/pay-link") as typeof import("./entry/pay-link")).payLink,
  adminApi: () => (require("./entry/admin") as typeof import("./entry/admin")).adminApi,
  onConversationMessageCreated: () => replies().onConversationMessageCreated,
  outboundAttempt: () => (require("./entry/outbound") as typeof import("./entry/outbound")).outboundAttempt,
  keptStatusLanding: () =>
    (require("./entry/kept-statuses") as typeof import("./entry/kept-statuses")).keptStatusLanding,
  expireReservations: () => orders().expireReservations,
  selfHealingSweep: () => replies().selfHealingSweep,
  onOrderWritten: () => orders().onOrderWritten,
  onProductWritten: () => stock().onProductWritten,
  stockViewRefresh: () => stock().stockViewRefresh,
  onWabaInstanceWritten: () =>
    (require("./entry/onboarding") as typeof import("./entry/onboarding")).onWabaInstanceWritten,
  onVendorConfigWritten: () =>
    (require("./entry/config-changes") as typeof import("./entry/config-changes")).onVendorConfigWritten,
};

function webhooks(): typeof import("./entry/webhooks") {
  return require("./entry/webhooks") as typeof import("./entry/webhooks");
}

function replies(): typeof import("./entry/replies") {
  return require("./entry/replies") as typeof import("./entry/replies");
}

function orders(): typeof import("./entry/orders") {
  return require("./entry/orders") as typeof import("./entry/orders");
}

function stock(): typeof import("./entry/stock") {
  return require("./entry/stock") as typeof import("./entry/stock");
}

for (const [name, load] of Object.entries(functions))
  Object.defineProperty(exports, name, { enumerable: true, get: load });
