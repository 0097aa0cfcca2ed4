// The app's own Playwright suite (tests/), on its production build served by
// vite preview on $PORT, in Debian's Chromium.
import { defineConfig } from "@playwright/test";

const port = Number(process.env.PORT ?? 4173);
export default defineConfig({
  testDir: "tests",
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] },
  },
  webServer: {
    command: `node node_modules/vite/bin/vite.js preview --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
  },
});
