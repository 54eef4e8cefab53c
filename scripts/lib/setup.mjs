// Installing and building what the two commands need, so that both work on a fresh clone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONSOLE_DIR, FUNCTIONS_DIR, ROOT } from "./paths.mjs";

/** Runs a command inheriting stdio; throws with its name when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
}

/** `npm ci` in a folder whose node_modules is missing or was installed from another lockfile. */
function ensureInstalled(dir, extraArgs = []) {
  const lock = join(dir, "package-lock.json");
  const stamp = join(dir, "node_modules", ".livepay-lock-hash");
  const hash = createHash("sha256").update(readFileSync(lock)).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return;
  console.log(
    `[setup] installing dependencies in ${dir === ROOT ? "." : dir === CONSOLE_DIR ? "console" : "functions"}`,
  );
  run("npm", ["ci", "--no-audit", "--no-fund", ...extraArgs], { cwd: dir });
  writeFileSync(stamp, hash);
}

/** The root (firebase-tools), functions and console dependencies, then the builds (the console into hosting/console). */
export async function installAndBuild() {
  // The root holds firebase-tools: its only build step compiles re2, an optional regex accelerator of
  // the Hosting emulator that falls back to JavaScript regexes; skipping it saves minutes per install.
  ensureInstalled(ROOT, ["--ignore-scripts"]);
  ensureInstalled(FUNCTIONS_DIR);
  console.log("[setup] building functions");
  run("npm", ["run", "build", "--silent"], { cwd: FUNCTIONS_DIR });
  ensureInstalled(CONSOLE_DIR);
  console.log("[setup] building the console");
  run("npm", ["run", "build", "--silent", "--", "--logLevel", "warn"], { cwd: CONSOLE_DIR });
}
