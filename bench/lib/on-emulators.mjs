// Every benchmark runs inside `firebase emulators:exec`: started from a shell, it installs and builds
// what is missing, then runs itself again inside the emulators and exits with that run's status.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { firebaseBin, firebaseConfigPath, prepareEmulators } from "../../scripts/lib/emulators.mjs";
import { ROOT } from "../../scripts/lib/paths.mjs";
import { writeLocalSecrets } from "../../scripts/lib/redis.mjs";
import { installAndBuild } from "../../scripts/lib/setup.mjs";

/** Returns when already inside the emulators; otherwise re-runs `scriptUrl` there and exits. */
export async function runInsideEmulators(scriptUrl, { project, only }) {
  if (process.env.FIRESTORE_EMULATOR_HOST) return;
  await installAndBuild();
  // The functions run on the memory cache, as with npm start: a Redis URL left by the last npm test
  // points at a bridge that is gone, and every call to it would be a failure.
  writeLocalSecrets({ redisUrl: "none", redisToken: "none" });
  const { env } = await prepareEmulators({ wantUi: false });
  const result = spawnSync(
    firebaseBin(),
    ["emulators:exec", "--config", firebaseConfigPath({ ui: false }), "--project", project, "--only", only,
      `node ${JSON.stringify(fileURLToPath(scriptUrl))}`],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } },
  );
  process.exit(result.status ?? 1);
}
