import { test, expect, env, signIn } from './fixtures';

test('my account: a personal token shown once, sessions ended, a wrong current password refused', async ({ page, browser }) => {
  // A second session elsewhere, to end from here.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, 'dave');

  await signIn(page, 'dave');
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(page.getByText('this browser')).toBeVisible();

  const token = page.getByRole('form', { name: 'Make a personal token' });
  await token.getByLabel('Token name').fill('backup script');
  await token.getByRole('button', { name: 'Make token' }).click();
  const shown = page.getByLabel('New token');
  await expect(shown).not.toHaveValue('');
  const jwt = await shown.inputValue();
  // It works as a bearer token, and is listed among the sessions.
  const me = await page.request.get('/api/auth/user', { headers: { Authorization: `Bearer ${jwt}` } });
  expect(me.status()).toBe(200);
  await expect(page.getByRole('row', { name: /Personal token: backup script/ })).toBeVisible();

  await page.getByRole('button', { name: 'End all other sessions' }).click();
  await expect(page.getByText(/Ended \d+ other sessions\./)).toBeVisible();
  await expect(page.getByRole('row', { name: /Personal token/ })).toHaveCount(0);
  // The other browser is signed out.
  await other.goto('/account');
  await expect(other).toHaveURL(/\/login\?next=%2Faccount$/);
  await elsewhere.close();

  const pw = page.getByRole('form', { name: 'Change the password' });
  await pw.getByLabel('Current password').fill('not my password');
  await pw.getByLabel('New password').fill('another long passphrase');
  await pw.getByRole('button', { name: 'Change password' }).click();
  await expect(pw.getByRole('alert')).toBeVisible();
});
