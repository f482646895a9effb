// End-to-end tests: the BUILT app (`npm run test:e2e` builds it first) served by `vite preview`,
// in the system Chromium (installed by scripts/ensure-system-tools.mjs; never `playwright install`).
// The browser can reach nothing but 127.0.0.1/localhost; e2e/fixtures.ts also fails any test whose
// page asks another host for anything.
import { defineConfig } from '@playwright/test';

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

// E2E_PORT lets several checkouts run their e2e tests side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  // The machine has 2 cores and the app trains in Web Workers.
  workers: CI ? 1 : 2,
  // The JSON report feeds the closing "N passed, N failed" line of scripts/run-tests.mjs.
  // The machine is shared: a first paint or a recompile can take seconds while others build and train.
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: '.test-reports/playwright.json' }], ...(CI ? [['html', { open: 'never' }] as const] : [])],
  use: {
    browserName: 'chromium',
    baseURL: BASE_URL,
    viewport: { width: 1366, height: 768 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-features=AutofillServerCommunication',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: BASE_URL,
    reuseExistingServer: !CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
