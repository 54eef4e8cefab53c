import { defineString } from "firebase-functions/params";

/** Where Wasender's API lives unless an instance sets its own `wasenderApiUrl`. */
export const WASENDER_API_URL = defineString("WASENDER_API_URL", {
  default: "https://www.wasenderapi.com/api",
  description: "Wasender API base URL (with its /api path)",
});
