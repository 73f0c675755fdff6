// Three pages, one bundle each: the CSR console (`/`), the customer page
// (`/join`) and the admin pages (`/admin`). The kernel embeds `dist/`.
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
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
