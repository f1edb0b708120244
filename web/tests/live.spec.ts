import { test, expect, env, signIn, at } from './fixtures';

test('an announcement reaches a member on the community home at once (Socket.IO, the session cookie)', async ({ page, browser }) => {
  await signIn(page, 'alice');
  await page.goto(at(env.c1));
  await expect(page.getByText('Live: new announcements appear here at once.')).toBeVisible();

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, env.c1.admin.username);
  await admin.goto(at(env.c1));
  await admin.getByLabel('Title').fill('Live test');
  await admin.getByLabel('Message').fill('Radios on channel 2.');
  await admin.getByLabel('Priority').selectOption('critical');
  await admin.getByRole('button', { name: 'Post announcement' }).click();

  await expect(page.getByText('Radios on channel 2.')).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: 'Live test' })).toContainText('critical');
  // A member may not post.
  await expect(page.getByRole('button', { name: 'Post announcement' })).toHaveCount(0);
  await adminContext.close();
});
