import { test, expect, env, signIn, at } from './fixtures';

test('an admin creates a department and a game-server key and sees both in the audit log', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, env.c1.admin.username);
  await page.goto(at(env.c1, '/admin'));
  await expect(page.getByRole('heading', { level: 1, name: `Administer ${env.c1.name}` })).toBeVisible();

  // Departments: a refused code shows the API's message; a good one is listed.
  await page.getByRole('link', { name: 'Departments' }).click();
  await expect(page).toHaveURL(/\?tab=departments$/);
  const create = page.getByRole('form', { name: 'Create a department' });
  await create.getByLabel('Code').fill('RANGER');
  await create.getByLabel('Name').fill('San Andreas Park Rangers');
  await create.getByLabel('Type').selectOption('leo');
  await create.getByLabel('Call-sign template').fill('2-S-{n}');
  await create.getByRole('button', { name: 'Create department' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'San Andreas Park Rangers' })).toContainText('2-S-{n}');
  await create.getByLabel('Code').fill('RANGER');
  await create.getByLabel('Name').fill('Again');
  await create.getByRole('button', { name: 'Create department' }).click();
  await expect(create.getByRole('alert')).toContainText(/RANGER|exists|taken|already/i);

  // Editing it.
  await page.getByRole('button', { name: 'Edit RANGER' }).click();
  const edit = page.getByRole('form', { name: 'Edit RANGER' });
  await edit.getByLabel('Name').fill('San Andreas Park Rangers HQ');
  await edit.getByRole('button', { name: 'Save RANGER' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'San Andreas Park Rangers HQ' })).toBeVisible();

  // A key, shown once with a copy button.
  await page.getByRole('link', { name: 'Game-server keys' }).click();
  const keys = page.getByRole('form', { name: 'Create a game-server key' });
  await keys.getByLabel('Key name').fill('Main server');
  await keys.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByLabel('New key');
  await expect(shown).toHaveValue(/^fvm_[0-9a-f]{64}$/);
  const key = await shown.inputValue();
  await page.getByRole('button', { name: 'Copy key' }).click();
  await expect(page.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  const row = page.getByRole('row', { name: /Main server/ });
  await expect(row).toContainText(`fvm_${key.slice(4, 12)}`);
  await expect(row).not.toContainText(key);

  // The key works for a game server (the API, not the browser).
  const res = await page.request.get('/api/civilian/fivem-community-settings', { headers: { 'x-api-key': key } });
  expect(res.status()).toBe(200);

  // Leaving the page and coming back: the key is never shown again.
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('link', { name: 'Game-server keys' }).click();
  await expect(page.getByLabel('New key')).toHaveCount(0);

  // The audit log has both, and filters.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('row', { name: /department\.created/ }).first()).toContainText('RANGER');
  await expect(page.getByRole('row', { name: /apikey\.created/ }).first()).toBeVisible();
  const filter = page.getByRole('search', { name: 'Filter the audit log' });
  await filter.getByLabel('Action').fill('apikey.created');
  await filter.getByRole('button', { name: 'Show entries' }).click();
  await expect(page.getByRole('row', { name: /department\.created/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /apikey\.created/ })).toHaveCount(1);

  // Rotating and revoking the key.
  await page.getByRole('link', { name: 'Game-server keys' }).click();
  await page.getByRole('button', { name: 'Rotate Main server' }).click();
  await expect(page.getByLabel('New key')).toHaveValue(/^fvm_/);
  expect(await page.getByLabel('New key').inputValue()).not.toBe(key);
  await page.getByRole('button', { name: 'Revoke Main server' }).click();
  await expect(page.getByRole('row', { name: /Main server/ })).toHaveCount(0);
});

test('a plain member is told the admin page is not theirs', async ({ page }) => {
  await signIn(page, 'alice');
  await page.goto(at(env.c1, '/admin'));
  await expect(page.getByRole('alert')).toHaveText("Only the community's admins may open this page.");
});
