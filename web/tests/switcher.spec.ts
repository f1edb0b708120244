import { test, expect, env, signIn, at } from './fixtures';

test('the switcher moves between my communities and keeps the section', async ({ page }) => {
  await signIn(page, 'alice');
  await page.getByRole('link', { name: env.c1.name }).click();
  await expect(page).toHaveURL(new RegExp(`${at(env.c1)}$`));
  await expect(page.getByRole('heading', { level: 1, name: env.c1.name })).toBeVisible();

  const switcher = page.getByLabel('Community');
  await expect(switcher).toHaveValue(env.c1.id);
  await switcher.selectOption({ label: env.c2.name });
  await expect(page).toHaveURL(new RegExp(`${at(env.c2)}$`));
  await expect(page.getByRole('heading', { level: 1, name: env.c2.name })).toBeVisible();

  // From a community's characters to the other's.
  await page.getByRole('link', { name: 'Civilians' }).click();
  await expect(page.getByRole('heading', { name: `My characters in ${env.c2.name}` })).toBeVisible();
  await switcher.selectOption({ label: env.c1.name });
  await expect(page).toHaveURL(new RegExp(`${at(env.c1, '/civilians')}$`));
  await expect(page.getByRole('heading', { name: `My characters in ${env.c1.name}` })).toBeVisible();

  // Back to the list of all of them.
  await switcher.selectOption({ label: 'All my communities' });
  await expect(page.getByRole('heading', { name: 'My communities' })).toBeVisible();
  // A plain member is offered no Admin section.
  await page.goto(at(env.c1));
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
