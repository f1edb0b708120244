// The figures of docs/performance.md, "The dashboard".
import { gzipSync } from 'node:zlib';
import { test, expect, env } from './fixtures';

const budget = 150 * 1024;

test('first load of /login: JavaScript and CSS within 150 KB after gzip', async ({ page }, testInfo) => {
  const loaded: { path: string; wire: Promise<number>; gz: Promise<number> }[] = [];
  page.on('response', (res) => {
    const type = res.request().resourceType();
    if (type !== 'script' && type !== 'stylesheet') return;
    loaded.push({
      path: new URL(res.url()).pathname,
      wire: res.request().sizes().then((s) => s.responseBodySize),
      gz: res.body().then((b) => gzipSync(b, { level: 9 }).length),
    });
  });
  await page.goto('/login', { waitUntil: 'networkidle' });
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  const rows = await Promise.all(loaded.map(async (l) => ({ path: l.path, wire: await l.wire, gz: await l.gz })));
  const wire = rows.reduce((n, r) => n + r.wire, 0);
  const gz = rows.reduce((n, r) => n + r.gz, 0);
  const report = `first load of /login: ${rows.length} files, ${(gz / 1024).toFixed(1)} KiB of JS+CSS after gzip -9, ${(wire / 1024).toFixed(1)} KiB on the wire\n` +
    rows.map((r) => `  ${r.path}: ${(r.gz / 1024).toFixed(1)} KiB gzip, ${(r.wire / 1024).toFixed(1)} KiB sent`).join('\n');
  console.log(report);
  await testInfo.attach('login-first-load.txt', { body: report });
  expect(rows.length).toBeGreaterThan(0);
  expect(gz).toBeLessThanOrEqual(budget);
  expect(wire).toBeLessThanOrEqual(budget);
});

// Measured and reported, not asserted: make test holds no timing threshold
// (PRECINCT_PERF_ASSERT=1 asserts the 1 s of the issue).
test('sign-in to the community home: time from the click to the page', async ({ page }, testInfo) => {
  const times: number[] = [];
  // The first sign-in warms the server and the browser up; five are timed.
  for (let i = 0; i < 6; i++) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${encodeURIComponent(`/c/${env.c1.id}`)}`);
    await page.getByLabel('Username').fill(env.c1.member.username);
    await page.getByLabel('Password').fill(env.password);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: env.c1.name })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Departments' })).toBeVisible();
    if (i > 0) times.push(Date.now() - t0);
  }
  times.sort((a, b) => a - b);
  const report = `sign-in to the community home (click to the page with its departments): ${times.join(', ')} ms, median ${times[2]} ms`;
  console.log(report);
  await testInfo.attach('sign-in.txt', { body: report });
  if (process.env.PRECINCT_PERF_ASSERT) expect(times[2]!).toBeLessThan(1000);
});
