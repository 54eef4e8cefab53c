import { getApp } from "firebase-admin/app";
import { describe, expect, it } from "vitest";
import { EMULATED_SERVICE_ACCOUNT, ensureAdminApp } from "../../src/shared/firestore";

describe("the Admin app", () => {
  it("names the service account on the Tasks emulator, so an enqueue never asks the metadata server", () => {
    process.env.CLOUD_TASKS_EMULATOR_HOST = "127.0.0.1:9499";
    process.env.GCLOUD_PROJECT = "demo-livepay";
    ensureAdminApp();
    expect(getApp().options.serviceAccountId).toBe(EMULATED_SERVICE_ACCOUNT);
  });
});
