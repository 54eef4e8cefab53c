import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS_REGION } from "../../src/config/region";

/**
 * What `firebase deploy` would create, read the way the CLI reads it: the sources are bundled afresh
 * (bundle.mjs, as the predeploy build does), then firebase-functions' own discovery binary loads the
 * package's `main` (the bundles' index) and writes the manifest (every export's endpoint, the params,
 * the required APIs). Each endpoint is compared with one row of DEPLOYED below: a function added,
 * removed or re-configured without its row changing fails here.
 */
const FUNCTIONS_DIR = resolve(__dirname, "../..");
const ROOT = resolve(FUNCTIONS_DIR, "..");
/** The one region setting (src/config/region.ts): every function and every Hosting rewrite. */
const REGION = FUNCTIONS_REGION;
/** Every function reads the shared configuration cache (entry/global.ts). */
const CACHE_SECRETS = ["CONFIG_CACHE_KEY", "UPSTASH_REDIS_REST_TOKEN", "UPSTASH_REDIS_REST_URL"];

type Trigger =
  | { https: "public" }
  | { document: string; event: "created" | "written" | "updated" | "deleted"; retry: boolean }
  | {
      taskQueue: {
        maxAttempts: number;
        maxRetrySeconds: number;
        minBackoffSeconds: number;
        maxBackoffSeconds: number;
        maxDoublings?: number;
        maxConcurrentDispatches: number;
      };
    }
  | { schedule: string };

interface Deployed {
  trigger: Trigger;
  region?: string;
  secrets?: string[];
}

const https = { https: "public" } as const;
const document = (path: string, event: "created" | "written", retry: boolean) => ({ document: path, event, retry });

/** One row per deployed function: add the new function's row with the function. */
const DEPLOYED: Record<string, Deployed> = {
  wasenderMessageWebhook: { trigger: https },
  wasenderStatusWebhook: { trigger: https },
  wasenderConnectionWebhook: { trigger: https },
  metaWebhook: { trigger: https },
  unipileWebhook: { trigger: https },
  paymentWebhook: { trigger: https },
  payLink: { trigger: https },
  adminApi: { trigger: https },
  onConversationMessageCreated: {
    trigger: document("vendors/{vendorId}/conversations/{customer}/messages/{messageId}", "created", true),
  },
  outboundAttempt: {
    trigger: {
      taskQueue: {
        maxAttempts: 100,
        maxRetrySeconds: 1200,
        minBackoffSeconds: 1,
        maxBackoffSeconds: 1,
        maxConcurrentDispatches: 200,
      },
    },
  },
  expireReservations: { trigger: { schedule: "every 1 minutes" } },
  selfHealingSweep: { trigger: { schedule: "every 1 minutes" } },
  onOrderWritten: { trigger: document("vendors/{vendorId}/orders/{orderId}", "written", true) },
  onProductWritten: { trigger: document("vendors/{vendorId}/products/{productId}", "written", true) },
  keptStatusLanding: {
    trigger: {
      taskQueue: {
        maxAttempts: 10,
        maxRetrySeconds: 120,
        minBackoffSeconds: 1,
        maxBackoffSeconds: 8,
        maxDoublings: 3,
        maxConcurrentDispatches: 50,
      },
    },
  },
  stockViewRefresh: {
    trigger: {
      taskQueue: {
        maxAttempts: 20,
        maxRetrySeconds: 300,
        minBackoffSeconds: 1,
        maxBackoffSeconds: 10,
        maxConcurrentDispatches: 50,
      },
    },
  },
  onWabaInstanceWritten: { trigger: document("waba_instances/{wabaInstanceId}", "written", false) },
  onVendorConfigWritten: { trigger: document("vendor_configs/{vendorId}", "written", false) },
};

/** The endpoint as the manifest spells it (only the fields the deploy acts on that this test pins). */
interface Endpoint {
  region?: string[];
  secretEnvironmentVariables?: Array<{ key: string }>;
  httpsTrigger?: { invoker?: string[] | null };
  eventTrigger?: {
    eventType: string;
    eventFilters?: Record<string, string>;
    eventFilterPathPatterns?: { document?: string };
    retry?: boolean;
  };
  taskQueueTrigger?: {
    retryConfig?: Record<string, number | null>;
    rateLimits?: Record<string, number | null>;
  };
  scheduleTrigger?: { schedule: string };
  callableTrigger?: unknown;
  blockingTrigger?: unknown;
}

interface Manifest {
  specVersion: string;
  endpoints: Record<string, Endpoint>;
  params?: Array<{ name: string; type?: string; default?: unknown }>;
  requiredAPIs?: Array<{ api: string }>;
}

/** The trigger in DEPLOYED's terms; anything else (a callable, a blocking or another event) stays visible. */
function triggerOf(endpoint: Endpoint): unknown {
  if (endpoint.httpsTrigger) return { https: endpoint.httpsTrigger.invoker?.join(",") ?? "private" };
  if (endpoint.scheduleTrigger) return { schedule: endpoint.scheduleTrigger.schedule };
  if (endpoint.taskQueueTrigger) {
    const retry = endpoint.taskQueueTrigger.retryConfig ?? {};
    const limits = endpoint.taskQueueTrigger.rateLimits ?? {};
    return {
      taskQueue: {
        maxAttempts: retry.maxAttempts,
        maxRetrySeconds: retry.maxRetrySeconds,
        minBackoffSeconds: retry.minBackoffSeconds,
        maxBackoffSeconds: retry.maxBackoffSeconds,
        ...(retry.maxDoublings != null && { maxDoublings: retry.maxDoublings }),
        maxConcurrentDispatches: limits.maxConcurrentDispatches,
      },
    };
  }
  const event = endpoint.eventTrigger;
  const firestoreEvent = event?.eventType.match(/^google\.cloud\.firestore\.document\.v1\.(\w+)$/);
  if (event && firestoreEvent && event.eventFilters?.database === "(default)") {
    return { document: event.eventFilterPathPatterns?.document, event: firestoreEvent[1], retry: event.retry ?? false };
  }
  return { unexpected: endpoint };
}

let workDir: string;
let manifest: Manifest;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "livepay-manifest-"));
  // A copy of the deployed package: fresh bundles, the package.json that names them, the dependencies.
  execFileSync(process.execPath, [join(FUNCTIONS_DIR, "bundle.mjs"), join(workDir, "dist")], {
    cwd: FUNCTIONS_DIR,
    stdio: "pipe",
  });
  const pkg = JSON.parse(readFileSync(join(FUNCTIONS_DIR, "package.json"), "utf8")) as { main: string };
  expect(pkg.main).toBe("dist/index.js");
  writeFileSync(join(workDir, "package.json"), JSON.stringify(pkg));
  symlinkSync(join(FUNCTIONS_DIR, "node_modules"), join(workDir, "node_modules"), "dir");
  mkdirSync(join(workDir, "out"));
  const output = join(workDir, "out", "manifest.json");
  // The binary the CLI runs to discover a Node codebase (the package's own `bin`).
  const sdk = join(FUNCTIONS_DIR, "node_modules", "firebase-functions");
  const { bin } = JSON.parse(readFileSync(join(sdk, "package.json"), "utf8")) as { bin: Record<string, string> };
  const discovery = join(sdk, bin["firebase-functions"] ?? "");
  execFileSync(process.execPath, [discovery, workDir], {
    cwd: workDir,
    stdio: "pipe",
    env: { ...process.env, FUNCTIONS_MANIFEST_OUTPUT_PATH: output, GCLOUD_PROJECT: "demo-livepay" },
  });
  manifest = JSON.parse(readFileSync(output, "utf8")) as Manifest;
}, 180_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("deploy manifest", () => {
  it("deploys exactly the functions listed, no more, no fewer", () => {
    expect(Object.keys(manifest.endpoints).sort()).toEqual(Object.keys(DEPLOYED).sort());
  });

  it.each(Object.entries(DEPLOYED))("%s: trigger, region and secrets as listed", (name, expected) => {
    const endpoint = manifest.endpoints[name];
    expect(endpoint, `${name} is not in the manifest`).toBeDefined();
    if (!endpoint) return;
    expect(triggerOf(endpoint)).toEqual(expected.trigger);
    expect(endpoint.region).toEqual([expected.region ?? REGION]);
    const secrets = (endpoint.secretEnvironmentVariables ?? []).map(({ key }) => key).sort();
    expect(secrets).toEqual([...(expected.secrets ?? CACHE_SECRETS)].sort());
  });

  it("every secret an endpoint binds is declared as a secret param (deploy asks for its value)", () => {
    const declared = new Set(
      (manifest.params ?? []).filter((param) => param.type === "secret").map(({ name }) => name),
    );
    for (const [name, endpoint] of Object.entries(manifest.endpoints)) {
      for (const { key } of endpoint.secretEnvironmentVariables ?? [])
        expect(declared.has(key), `${name}: ${key}`).toBe(true);
    }
  });

  it("a parameter without a default stops a deploy, and an emulator start, that has no value for it", async () => {
    const { REQUIRED_PARAMS, checkRequiredParams } = (await import(
      pathToFileURL(join(ROOT, "scripts", "lib", "required-params.mjs")).href
    )) as {
      REQUIRED_PARAMS: Record<string, string>;
      checkRequiredParams: (projectId: string, options: { emulator: boolean }) => void;
    };
    const withoutDefault = (manifest.params ?? [])
      .filter((param) => param.type !== "secret" && param.default === undefined)
      .map(({ name }) => name);
    expect(withoutDefault).toContain("PUBLIC_BASE_URL");
    expect(Object.keys(REQUIRED_PARAMS).sort()).toEqual(withoutDefault.sort());
    // functions/.env.local has the local value; a project with no .env file of its own has none.
    expect(() => checkRequiredParams("demo-livepay", { emulator: true })).not.toThrow();
    expect(() => checkRequiredParams("livepay-staging-without-env", { emulator: false })).toThrow(
      /PUBLIC_BASE_URL has no value for project livepay-staging-without-env/,
    );
  });

  it("asks for the APIs its triggers need (Cloud Tasks for the queues, Cloud Scheduler for the schedules)", () => {
    const apis = (manifest.requiredAPIs ?? []).map(({ api }) => api);
    expect(apis).toEqual(expect.arrayContaining(["cloudtasks.googleapis.com", "cloudscheduler.googleapis.com"]));
  });

  it("every Hosting rewrite names a deployed HTTPS function in its region", () => {
    const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as {
      hosting?: { rewrites?: Array<{ source: string; function?: { functionId: string; region?: string } }> };
    };
    const rewrites = (config.hosting?.rewrites ?? []).filter((rewrite) => rewrite.function);
    expect(rewrites.length).toBeGreaterThan(0);
    for (const { source, function: target } of rewrites) {
      const endpoint = target ? manifest.endpoints[target.functionId] : undefined;
      expect(endpoint?.httpsTrigger, `${source} -> ${target?.functionId}`).toBeDefined();
      expect(target?.region, `firebase.json's rewrite of ${source}: the region of src/config/region.ts`).toBe(REGION);
      expect(endpoint?.region).toEqual([REGION]);
    }
  });
});
