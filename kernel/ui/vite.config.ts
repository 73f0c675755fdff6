// Four pages, one bundle each: the CSR console (`/`), the customer page
// (`/join`), the admin pages (`/admin`) and the host of a plugin's public
// page (`/{path}/{site}/{page}`, a queue's entry page). The kernel embeds
// `dist/`.
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The kernel serves these from its own binary; no CDN, no inline
    // scripts (the pages' Content-Security-Policy forbids them).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        console: resolve(import.meta.dirname, "index.html"),
        join: resolve(import.meta.dirname, "join.html"),
        admin: resolve(import.meta.dirname, "admin.html"),
        public: resolve(import.meta.dirname, "public.html"),
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
