// The parameters that have no default (functions/src/config/params.ts), checked before anything starts:
// a deploy (firebase.json's predeploy) and the emulators (`npm start`, `npm test`, `npm run bench`) stop
// with a message naming the file to write, instead of a deploy prompting or an emulator waiting on a
// prompt nobody sees.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./paths.mjs";

/** Name → what to write, for each parameter without a default. */
export const REQUIRED_PARAMS = {
  PUBLIC_BASE_URL: "the Hosting site's URL, e.g. https://<project-id>.web.app (or your custom domain)",
};

/** `KEY=value` lines of a dotenv file (quotes stripped), or {} when it does not exist. */
function readDotenv(file) {
  if (!existsSync(file)) return {};
  const values = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (match) values[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return values;
}

/** The aliases .firebaserc gives `projectId`. */
function aliasesOf(projectId) {
  const rc = join(ROOT, ".firebaserc");
  if (!existsSync(rc)) return [];
  const projects = JSON.parse(readFileSync(rc, "utf8")).projects ?? {};
  return Object.entries(projects)
    .filter(([, id]) => id === projectId)
    .map(([alias]) => alias);
}

/**
 * The files the Firebase CLI reads string parameters from for `projectId`, in its order (later wins):
 * functions/.env, .env.<project-id>, .env.<alias>; for the emulators also .env.local.
 */
export function paramFiles(projectId, { emulator }) {
  const names = [".env", `.env.${projectId}`, ...aliasesOf(projectId).map((alias) => `.env.${alias}`)];
  if (emulator) names.push(".env.local");
  return names.map((name) => join("functions", name));
}

/** Throws with what to write when a required parameter has no value for `projectId`. */
export function checkRequiredParams(projectId, { emulator }) {
  const files = paramFiles(projectId, { emulator });
  const values = Object.assign({}, ...files.map((file) => readDotenv(join(ROOT, file))));
  const missing = Object.keys(REQUIRED_PARAMS).filter((name) => !values[name]);
  if (missing.length === 0) return;
  const where = emulator ? "functions/.env.local" : `functions/.env.${projectId}`;
  throw new Error(
    `${missing.join(", ")} has no value for project ${projectId} (read from ${files.join(", ")}). ` +
      `Write it in ${where}: ${missing.map((name) => `${name}=<${REQUIRED_PARAMS[name]}>`).join("; ")}. ` +
      "It has no default, so that no project hands out another project's URLs (docs/deploy.md, step 5).",
  );
}

// `node scripts/lib/required-params.mjs`: firebase.json's functions predeploy, with the project the CLI
// deploys to in GCLOUD_PROJECT.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    checkRequiredParams(process.env.GCLOUD_PROJECT ?? "", { emulator: false });
  } catch (error) {
    console.error(`\nDeploy stopped: ${error.message}\n`);
    process.exit(1);
  }
}
