// A tour of every page: each one rendered with data, every field labelled
// and every button named, readable at 360 px and at 1920 px without sideways
// scrolling, and its screenshot taken (docs/screenshots/ with
// `make screenshots`).
import { test, expect, env, signIn, shot, at, type Page } from './fixtures';

async function checkPage(page: Page, what: string): Promise<void> {
  await expect(page.locator('.loading')).toHaveCount(0);
  const problems = await page.evaluate(() => {
    const bad: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement>('input:not([type=hidden]), select, textarea')) {
      const named = (el.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) bad.push(`field without a label: ${el.outerHTML.slice(0, 100)}`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href]')) {
      if (!(el.innerText.trim() || el.getAttribute('aria-label'))) bad.push(`control without a name: ${el.outerHTML.slice(0, 100)}`);
    }
    if (document.querySelectorAll('h1').length !== 1) bad.push(`${document.querySelectorAll('h1').length} h1 headings`);
    // The CSP forbids style attributes; none is written.
    for (const el of document.querySelectorAll('[style]')) bad.push(`a style attribute: ${el.outerHTML.slice(0, 100)}`);
    return bad;
  });
  expect(problems, what).toEqual([]);
  for (const width of [360, 1920]) {
    await page.setViewportSize({ width, height: 900 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(wide, `${what} at ${width} px scrolls sideways by ${wide} px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('every page, as an admin with data', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const c = env.c1;
  await page.goto('/login');
  await checkPage(page, 'sign-in');
  await shot(page, testInfo, 'login');
  await page.goto('/register');
  await checkPage(page, 'register');
  await shot(page, testInfo, 'register');

  await signIn(page, c.admin.username);
  // Some records to show: a character with a vehicle, an announcement.
  const h = { 'x-community-id': c.id };
  const civ = await (await page.request.post('/api/civilian', { headers: h, data: { firstName: 'Jordan', lastName: 'Reyes', dateOfBirth: '1988-02-29', occupation: 'Paramedic' } })).json();
  await page.request.post('/api/civilian/vehicle', { headers: h, data: { ownerId: civ.id, plate: 'TOUR 1', make: 'Bravado', model: 'Buffalo', color: 'White', year: 2021 } });

  await checkPage(page, 'home');
  await shot(page, testInfo, 'home');

  await page.goto(at(c));
  await expect(page.getByText('Live: new announcements appear here at once.')).toBeVisible();
  await page.request.post(`/api/community/${c.id}/announcements`, {
    data: { title: 'Server restart', message: 'Tonight at 02:00 the server restarts.\n<b>Not bold</b>', priority: 'high' },
  });
  await expect(page.getByText('Server restart', { exact: true })).toBeVisible();
  // A record's text is text: the markup shows as written.
  await expect(page.getByText('<b>Not bold</b>', { exact: false })).toBeVisible();
  await checkPage(page, 'community home');
  await shot(page, testInfo, 'community');

  await page.goto(at(c, `/civilians?civ=${civ.id}`));
  await expect(page.getByRole('row', { name: /TOUR 1/ })).toBeVisible();
  await checkPage(page, 'civilians');
  await shot(page, testInfo, 'civilians');

  for (const tab of ['members', 'invites', 'departments', 'keys', 'audit', 'settings']) {
    await page.goto(at(c, `/admin?tab=${tab}`));
    await expect(page.getByRole('link', { name: /Members|Invites|Departments|Game-server keys|Audit log|Settings/ }).first()).toBeVisible();
    if (tab === 'invites') {
      // Until the backend's invite routes exist the tab shows their refusal.
      await expect(page.locator('.loading')).toHaveCount(0);
    }
    await checkPage(page, `admin ${tab}`);
    await shot(page, testInfo, `admin-${tab}`);
  }

  await page.goto('/account');
  await expect(page.getByRole('cell', { name: /this browser/ }).or(page.getByText('this browser'))).toBeVisible();
  await checkPage(page, 'account');
  await shot(page, testInfo, 'account');

  await page.goto('/invite/some-code');
  await checkPage(page, 'invite');
  await shot(page, testInfo, 'invite');
});

test('an unknown path shows the not-found page with a 404', async ({ page }, testInfo) => {
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('/no/such/page')).toBeVisible();
  await checkPage(page, 'not found');
  await shot(page, testInfo, 'not-found');
  // Signed in, too.
  await signIn(page, 'alice');
  await page.goto('/c/x/y/z');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('light and dark follow the system', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/login');
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(light).not.toBe(dark);
});
