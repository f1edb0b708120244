import { test, expect, env, at } from './fixtures';

test('password sign-in: a wrong password shows the API message next to the form; the right one signs in', async ({ page, context }) => {
  await page.goto('/');
  // Signed out, the root sends the browser to the sign-in page.
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid username or password');

  await page.getByLabel('Password').fill(env.password);
  await page.getByLabel('Remember me for 30 days').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'My communities' })).toBeVisible();
  await expect(page.getByRole('link', { name: env.c1.name })).toBeVisible();

  // The session is the HttpOnly cookie, remembered for 30 days; nothing is
  // kept in the page's storage.
  const cookie = (await context.cookies()).find((c) => c.name === 'precinct_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
  const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
  expect(stored).toBe(0);

  // Signing out ends the session: the next page asks to sign in again.
  await page.getByRole('button', { name: /Sign out/ }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
});

test('a deep link survives signing in: the page asked for opens after sign-in', async ({ page }) => {
  await page.goto(at(env.c1, '/civilians'));
  await expect(page).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(at(env.c1, '/civilians'))}$`));
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Password').fill(env.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${at(env.c1, '/civilians')}`));
  await expect(page.getByRole('heading', { name: `My characters in ${env.c1.name}` })).toBeVisible();
  // A reload of a deep link stays on it.
  await page.reload();
  await expect(page.getByRole('heading', { name: `My characters in ${env.c1.name}` })).toBeVisible();
});

test('the sign-in page works by keyboard alone', async ({ page }) => {
  await page.goto('/login');
  await page.keyboard.press('Tab'); // the skip link
  await page.keyboard.press('Tab'); // the brand link
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type('carol');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(env.password);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Remember me for 30 days')).toBeChecked();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My communities' })).toBeVisible();
});

test('a next= that leaves the site is ignored', async ({ page }) => {
  await page.goto('/login?next=' + encodeURIComponent('//evil.example/x'));
  await page.getByLabel('Username').fill('carol');
  await page.getByLabel('Password').fill(env.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'My communities' })).toBeVisible();
  expect(page.url()).toBe(`${env.base}/`);
});
