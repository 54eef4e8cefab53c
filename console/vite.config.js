import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Built into Hosting's public folder, served at /console/ next to the API (same origin).
export default defineConfig({
  base: "/console/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../hosting/console", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
});
