import { setGlobalOptions } from "firebase-functions/v2/options";
import { CONFIG_CACHE_KEY, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL } from "../config/params";
import { ensureAdminApp } from "../shared/firestore";

// What every function needs before it is defined, whichever one an instance loads (entry modules import
// this first): the default Admin app (firebase-functions builds Firestore event snapshots with it before
// any handler runs) and the global options.
ensureAdminApp();
// Every function reads or invalidates the shared configuration cache, so every one may use Redis.
setGlobalOptions({
  region: "us-central1",
  maxInstances: 20,
  secrets: [UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, CONFIG_CACHE_KEY],
});
