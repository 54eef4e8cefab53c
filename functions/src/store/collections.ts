/** Collection names shared by the stores (kept apart so the cache and the stores can both use them). */
export const VENDOR_CONFIGS = "vendor_configs";
export const WABA_INSTANCES = "waba_instances";
/** Runtime state of each number (circuit, session, errors): server-only, never read by the config cache. */
export const WABA_RUNTIME = "waba_runtime";
/** Each vendor's mobile-money account and its secrets (payments/): server-only. */
export const PAYMENT_ACCOUNTS = "payment_accounts";
