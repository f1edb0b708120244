import { defineConfig } from '@playwright/test';

// The browser tests drive Debian's Chromium (package chromium; the Makefile
// installs it) against the real precinct binary, which tests/setup.ts builds
// and starts on a fresh, seeded data directory. Playwright never downloads a
// browser (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 in the Makefile).
export default defineConfig({
  testDir: 'tests',
  testMatch: /.*\.spec\.ts$/,
  globalSetup: './tests/setup.ts',
  outputDir: 'test-results',
  // Two workers share the two cores with the server; each test uses its own
  // accounts, so the files run side by side.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.PRECINCT_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
    // A failing test leaves a screenshot and a trace in test-results/.
    screenshot: 'only-on-failure',
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true },
  },
});
