import { test, expect, env, signIn, at, type Page } from './fixtures';

async function newCharacter(page: Page, first: string, last: string): Promise<void> {
  await page.getByRole('button', { name: 'New character' }).click();
  const form = page.getByRole('form', { name: 'New character' });
  await form.getByLabel('First name').fill(first);
  await form.getByLabel('Last name').fill(last);
  await form.getByLabel('Date of birth').fill('1990-05-15');
  await form.getByLabel('Gender').selectOption('female');
  await form.getByLabel('Occupation').fill('Mechanic');
  await form.getByRole('button', { name: 'Create character' }).click();
  await expect(page.getByRole('heading', { level: 2, name: `${first} ${last}` })).toBeVisible();
}

test('creating a character with a mugshot, editing it, registering a vehicle and reporting it stolen', async ({ page }) => {
  await signIn(page, 'bob');
  await page.goto(at(env.c1, '/civilians'));
  await expect(page.getByText('You have no characters here yet.')).toBeVisible();

  await newCharacter(page, 'Avery', 'Quinn');
  await expect(page.getByText('May 15, 1990')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Avery Quinn' })).toHaveAttribute('aria-current', 'true');

  // A field the API refuses shows its message next to the form.
  await page.getByRole('button', { name: 'Edit Avery Quinn' }).click();
  const edit = page.getByRole('form', { name: 'Edit character' });
  await edit.getByLabel('Phone').fill('555-0100');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toHaveCount(0);

  // The mugshot: a real PNG (a piece of this very page), stored and shown.
  const png = await page.screenshot({ clip: { x: 0, y: 0, width: 96, height: 96 } });
  await page.getByLabel('Mugshot (PNG, JPEG or WebP, up to 5 MB)').setInputFiles({ name: 'mugshot.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Upload mugshot' }).click();
  const img = page.getByRole('img', { name: 'Mugshot of Avery Quinn' });
  await expect(img).toBeVisible();
  await expect(img).toHaveAttribute('src', new RegExp(`^(${env.base})?/api/media/${env.c1.id}/[0-9a-f]{32}$`));
  expect(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);

  // Not an image: refused with the API's own message.
  await page.getByLabel('Mugshot (PNG, JPEG or WebP, up to 5 MB)').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByRole('button', { name: 'Upload mugshot' }).click();
  await expect(page.getByRole('form', { name: 'Upload a mugshot' }).getByRole('alert')).toContainText(/image/i);

  // A vehicle.
  const reg = page.getByRole('form', { name: 'Register a vehicle' });
  await reg.getByLabel('Plate').fill('PCT 042');
  await reg.getByLabel('Make').fill('Vapid');
  await reg.getByLabel('Model').fill('Stanier');
  await reg.getByLabel('Colour').fill('Black');
  await reg.getByLabel('Year').fill('2019');
  await reg.getByRole('button', { name: 'Register vehicle' }).click();
  const row = page.getByRole('row', { name: /PCT 042/ });
  await expect(row).toContainText('2019 Black Vapid Stanier');
  await expect(row).toContainText('VALID');

  // A plate that cannot exist is refused, named, next to the form.
  await reg.getByLabel('Plate').fill('АВС123');
  await reg.getByRole('button', { name: 'Register vehicle' }).click();
  await expect(reg.getByRole('alert')).toContainText('U+0410');

  await row.getByLabel('Stolen details for PCT 042').fill('Taken from the pier');
  await row.getByRole('button', { name: 'Mark PCT 042 stolen' }).click();
  await expect(row.getByText('Stolen', { exact: true })).toBeVisible();
  await expect(row).toContainText('Taken from the pier');
  await row.getByRole('button', { name: 'Mark PCT 042 recovered' }).click();
  await expect(row.getByText('Stolen', { exact: true })).toHaveCount(0);

  // The licenses section shows the character's licenses (none yet) and its history.
  await page.getByRole('button', { name: 'License history' }).click();
  await expect(page.getByText('No changes yet.')).toBeVisible();

  // A reload keeps the selected character.
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Avery Quinn' })).toBeVisible();
});

test('a deposit and a transfer, with the ledger and both balances', async ({ page }) => {
  await signIn(page, 'carol');
  await page.goto(at(env.c1, '/civilians'));
  await newCharacter(page, 'Rory', 'Payee');
  const payee = (await page.getByRole('definition').filter({ hasText: /^\d{10}$/ }).textContent())!.trim();
  await newCharacter(page, 'Sam', 'Payer');
  // A new account opens with the community's starting balance ($5,000).
  const balance = page.getByTestId('balance');
  await expect(balance).toHaveText('$5,000.00');

  const deposit = page.getByRole('form', { name: 'Deposit' });
  await deposit.getByLabel('Amount ($)').fill('250.50');
  await deposit.getByLabel('Description').fill('Tips');
  await deposit.getByRole('button', { name: 'Deposit' }).click();
  await expect(deposit.getByRole('status')).toHaveText('Done. The balance is now $5,250.50.');
  await expect(balance).toHaveText('$5,250.50');
  await expect(page.getByRole('row', { name: /Deposit: Tips/ })).toContainText('$250.50');

  // More than the balance: the API's message, next to the form.
  const transfer = page.getByRole('form', { name: 'Transfer' });
  await transfer.getByLabel('To account number').fill(payee);
  await transfer.getByLabel('Amount ($)').fill('999999');
  await transfer.getByRole('button', { name: 'Transfer' }).click();
  await expect(transfer.getByRole('alert')).toHaveText('Insufficient funds');

  await transfer.getByLabel('Amount ($)').fill('1250.50');
  await transfer.getByLabel('Description').fill('Rent');
  await transfer.getByRole('button', { name: 'Transfer' }).click();
  await expect(transfer.getByRole('status')).toHaveText('Done. The balance is now $4,000.00.');
  await expect(balance).toHaveText('$4,000.00');
  await expect(page.getByRole('row', { name: /Transfer out: Rent/ })).toContainText('-$1,250.50');

  await page.getByRole('link', { name: 'Rory Payee' }).click();
  await expect(balance).toHaveText('$6,250.50');
  await expect(page.getByRole('row', { name: /Transfer in: Rent/ })).toContainText('$1,250.50');
});

test('where members may not deposit or withdraw, the page says so and offers transfers only', async ({ page }) => {
  await signIn(page, 'dave');
  await page.goto(at(env.c2, '/civilians'));
  await newCharacter(page, 'Dana', 'Plain');
  await expect(page.getByRole('note')).toContainText('Deposits and withdrawals are turned off for members in this community');
  await expect(page.getByRole('form', { name: 'Deposit' })).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Withdraw' })).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Transfer' })).toBeVisible();
});
