// What every browser test shares: the running server's address and seeded
// data, a page that fails the test on any console error or uncaught
// exception and checks the CSP on every answer of the app, and helpers to
// sign in and take the screenshots of docs/screenshots/.
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Community {
  id: string;
  guildId: string;
  name: string;
  admin: { username: string };
  member: { username: string };
}
export interface Env {
  base: string;
  password: string;
  c1: Community;
  c2: Community;
  discordUser: { id: string; name: string };
}

export const env: Env = JSON.parse(process.env.PRECINCT_E2E ?? 'null');

// The policy web/handler.go sends (web.CSP).
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// Chrome logs every answer of 400 and up as a console error ("Failed to load
// resource"). The API's refusals are answers the app expects and shows (a
// wrong password's 401, a signed-out visitor's 401 from /api/auth/me, a
// not-found page's 404): those, and only those, are not counted.
const apiRefusal = /^Failed to load resource: the server responded with a status of 4\d\d/;

export const test = base.extend<{ baseURL: string; problems: string[] }>({
  baseURL: async ({}, use) => {
    await use(env.base);
  },
  problems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      const notFoundPages = new Set<string>();
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const url = msg.location().url ?? '';
        const path = url.startsWith(env.base) ? new URL(url).pathname : '';
        if (apiRefusal.test(msg.text()) && (path.startsWith('/api/') || notFoundPages.has(path))) return;
        problems.push(`console error: ${msg.text()} (${url})`);
      });
      page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
      page.on('response', (res) => {
        const u = new URL(res.url());
        if (u.origin !== env.base || u.pathname.startsWith('/api/') || u.pathname.startsWith('/socket.io/')) return;
        // The app's not-found page comes with a 404 on purpose.
        if (res.status() === 404 && res.request().isNavigationRequest()) notFoundPages.add(u.pathname);
        // Every answer of the app (pages and assets) carries its CSP.
        const csp = res.headers()['content-security-policy'];
        if (csp !== CSP) problems.push(`${u.pathname}: Content-Security-Policy ${JSON.stringify(csp)}`);
        if (res.status() >= 500) problems.push(`${u.pathname}: ${res.status()}`);
      });
      page.on('requestfailed', (req) => {
        const u = new URL(req.url());
        // A socket or a request cut short by a navigation is not a failure of the app.
        const err = req.failure()?.errorText ?? '';
        if (u.origin === env.base && !u.pathname.startsWith('/socket.io/') && err !== 'net::ERR_ABORTED') {
          problems.push(`request failed: ${u.pathname} ${err}`);
        }
      });
      // confirm() dialogs are answered yes.
      page.on('dialog', (d) => void d.accept());
      await use(problems);
      expect(problems, 'console errors, uncaught exceptions or a missing CSP').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** signIn signs in through the sign-in page and waits for the home page. */
export async function signIn(page: Page, username: string, opts: { next?: string; remember?: boolean } = {}): Promise<void> {
  await page.goto(opts.next ? `/login?next=${encodeURIComponent(opts.next)}` : '/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(env.password);
  if (opts.remember) await page.getByLabel('Remember me for 30 days').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(opts.next ? new RegExp(opts.next.replace(/[?]/g, '\\?') + '$') : /\/$/);
}

/**
 * shot takes a PNG of the page: into docs/screenshots/ when
 * PRECINCT_SCREENSHOTS=1 (`make screenshots`), else beside the test's output.
 */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = process.env.PRECINCT_SCREENSHOTS
    ? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots', `${name}.png`)
    : testInfo.outputPath(`${name}.png`);
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
}

export const at = (c: Community, section = '') => `/c/${c.id}${section}`;
export { join };
export type { Page } from '@playwright/test';
