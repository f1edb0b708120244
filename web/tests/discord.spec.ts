import { test, expect, env } from './fixtures';

// The fake Discord (scripts/fake-discord) signs in a Discord user Precinct
// has never seen, who is in c1's Discord server.
test('a new Discord user registers through the fake Discord and lands in their community', async ({ page }) => {
  await page.goto('/login');
  // Until GET /api/auth/options exists, the page cannot know Discord is on;
  // the flow itself starts at /api/auth/discord, as the button's link does.
  await page.goto('/api/auth/discord');
  await expect(page).toHaveURL(new RegExp(`/register\\?discordId=${env.discordUser.id}&discordUsername=${env.discordUser.name}$`));
  await expect(page.getByText(`Discord verified you as ${env.discordUser.name}`)).toBeVisible();
  await expect(page.getByLabel('Username')).toHaveValue(env.discordUser.name);

  await page.getByLabel('Password', { exact: true }).fill('a long new passphrase');
  await page.getByLabel('Password again').fill('a long new passphrase!');
  await page.getByLabel('First answer').fill('Rex');
  await page.getByLabel('Second answer').fill('Paleto Bay');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('The two passwords differ.');

  await page.getByLabel('Password again').fill('a long new passphrase');
  await page.getByLabel('Second question').selectOption('What was your first job?');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'My communities' })).toBeVisible();
  // autoJoin: the Discord server's community.
  await expect(page.getByRole('link', { name: env.c1.name })).toBeVisible();
  await expect(page.getByRole('button', { name: `Sign out (${env.discordUser.name})` })).toBeVisible();

  // The account page shows the link to Discord.
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByText(`Linked to the Discord account ${env.discordUser.name}`)).toBeVisible();
});

test.fixme('the sign-in page offers "Sign in with Discord" when /api/auth/options says so (needs the backend route)', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('link', { name: 'Sign in with Discord' })).toHaveAttribute('href', '/api/auth/discord?returnTo=%2F');
});
