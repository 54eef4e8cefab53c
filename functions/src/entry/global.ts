import { setGlobalOptions } from "firebase-functions/v2/options";
import { CONFIG_CACHE_KEY, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL } from "../config/params";
import { FUNCTIONS_REGION } from "../config/region";
import { ensureAdminApp } from "../shared/firestore";

// What every function needs before it is defined, whichever one an instance loads (entry modules import
// this first): the default Admin app (firebase-functions builds Firestore event snapshots with it before
// any handler runs) and the global options.
ensureAdminApp();
// Each deployed bundle has its own copy of this module (bundle.mjs) and the deploy's discovery loads them
// all in one process: the options are set once per process, as the SDK expects.
const OPTIONS_SET = Symbol.for("livepay.globalOptionsSet");
const processWide = globalThis as { [OPTIONS_SET]?: true };
if (!processWide[OPTIONS_SET]) {
  processWide[OPTIONS_SET] = true;
  // Every function reads or invalidates the shared configuration cache, so every one may use Redis.
  setGlobalOptions({
    region: FUNCTIONS_REGION,
    maxInstances: 20,
    secrets: [UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, CONFIG_CACHE_KEY],
  });
}
