import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth } from "firebase/auth";

/** Served by the emulators (npm start, npm test): the demo project and the Auth emulator. */
export const onEmulator = ["127.0.0.1", "localhost"].includes(location.hostname);

const EMULATOR_CONFIG = { apiKey: "demo-key", authDomain: "demo-livepay.firebaseapp.com", projectId: "demo-livepay" };

/**
 * The Firebase app and its Auth: on the emulators, the demo project; in production, the project's own
 * web configuration, which Firebase Hosting serves at /__/firebase/init.json.
 */
export async function startFirebase() {
  const config = onEmulator ? EMULATOR_CONFIG : await (await fetch("/__/firebase/init.json")).json();
  const app = initializeApp(config);
  const auth = getAuth(app);
  if (onEmulator) connectAuthEmulator(auth, `http://${location.hostname}:9099`, { disableWarnings: true });
  return auth;
}
