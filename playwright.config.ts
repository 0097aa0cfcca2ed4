import { defineConfig } from "@playwright/test";

// E2E_PORT lets two checkouts run their e2e suites side by side.
const port = Number(process.env.E2E_PORT ?? 5174);

// Debian's Chromium (apt-get install chromium): Playwright's own browser
// download cannot run here. The flags keep it off the (closed) network.
export default defineConfig({
  testDir: "e2e",
  // Timeouts here only catch a hang: nothing in e2e is timed. A 2-core machine
  // running other suites beside this one stretches a test several times
  // over (a demo test took 60 s at load 15), so they are generous.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `npx vite --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
