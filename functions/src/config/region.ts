/**
 * The one region every function is deployed to and every Cloud Tasks queue lives in (docs/deploy.md,
 * "Region"). firebase.json's Hosting rewrites name it too: the deploy manifest test fails when they
 * differ. Choose it before the first deploy, next to the Firestore database's location.
 */
export const FUNCTIONS_REGION = "us-central1";
