// Makes the Firebase emulator suite startable both on a normal machine (firebase-tools downloads its
// emulators as usual) and on one that cannot reach Google's download servers but has the Google Cloud
// CLI's Firestore emulator installed as a Debian package.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { PROJECT_ID, ROOT } from "./paths.mjs";
import { checkRequiredParams } from "./required-params.mjs";

const CACHE_DIR = join(ROOT, ".cache");
const FIREBASE_BIN = join(ROOT, "node_modules", ".bin", "firebase");
const DEBIAN_FIRESTORE_JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";
const FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

export function firebaseBin() {
  return FIREBASE_BIN;
}

/** Asks firebase-tools to fetch one emulator; true when it is there afterwards (a no-op when cached). */
function setupEmulator(name) {
  const result = spawnSync(FIREBASE_BIN, [`setup:emulators:${name}`], {
    cwd: ROOT,
    stdio: "pipe",
    timeout: 120_000,
    env: { ...process.env, FIREBASE_CLI_DISABLE_UPDATE_CHECK: "true" },
  });
  return result.status === 0;
}

/**
 * The Debian jar has no Main-Class, so firebase-tools' `java -jar` cannot start it. A manifest-only
 * jar naming the main class and putting the real jar on its Class-Path makes it startable.
 */
async function writeLauncherJar(target) {
  const manifest =
    "Manifest-Version: 1.0\r\n" +
    `Main-Class: ${FIRESTORE_MAIN_CLASS}\r\n` +
    `Class-Path: ${new URL(`file://${DEBIAN_FIRESTORE_JAR}`).href}\r\n\r\n`;
  mkdirSync(dirname(target), { recursive: true });
  const { default: yazl } = await import("yazl");
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(manifest, "utf8"), "META-INF/MANIFEST.MF");
  zip.end();
  await new Promise((resolve, reject) => {
    const out = createWriteStream(target);
    zip.outputStream.pipe(out).on("close", resolve).on("error", reject);
  });
}

/**
 * Decides how the Firestore emulator and the Emulator UI will run, and returns the environment
 * additions plus whether the UI can be had. Prints one line for each fallback it takes.
 */
export async function prepareEmulators({ wantUi }) {
  // Before anything starts: the Functions emulator would otherwise wait on a prompt for the value.
  checkRequiredParams(PROJECT_ID, { emulator: true });
  const preload = `--import=${join(ROOT, "scripts", "lib", "functions-emulator-preload.mjs")}`;
  const env = { NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(" ") };
  if (!process.env.FIRESTORE_EMULATOR_BINARY_PATH && !setupEmulator("firestore")) {
    if (!existsSync(DEBIAN_FIRESTORE_JAR)) {
      throw new Error(
        "The Firestore emulator could not be downloaded and the Google Cloud CLI's Firestore emulator " +
          "(Debian package google-cloud-cli-firestore-emulator) is not installed: install one of them.",
      );
    }
    const launcher = join(CACHE_DIR, "firestore-emulator-launcher.jar");
    if (!existsSync(launcher)) await writeLauncherJar(launcher);
    env.FIRESTORE_EMULATOR_BINARY_PATH = launcher;
    console.log("[emulators] Firestore emulator download unavailable: using the Google Cloud CLI's emulator.");
  }
  let ui = false;
  if (wantUi) {
    ui = setupEmulator("ui");
    if (!ui) console.log("[emulators] Emulator UI could not be downloaded: starting without it.");
  }
  return { env, ui };
}

/** firebase.json as is, or a copy with the Emulator UI disabled, written next to it. */
export function firebaseConfigPath({ ui }) {
  const base = join(ROOT, "firebase.json");
  if (ui) return base;
  const config = JSON.parse(readFileSync(base, "utf8"));
  config.emulators.ui = { enabled: false };
  const local = join(ROOT, "firebase.local.json");
  writeFileSync(local, JSON.stringify(config, null, 2) + "\n");
  return local;
}
