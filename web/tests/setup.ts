// Global setup: build the real binary and the fake Discord, seed a fresh data
// directory, make the accounts the tests sign in as, start both servers, and
// hand their addresses to the tests through the environment. The returned
// function stops them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const password = 'precinct browser tests 1';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

async function waitFor(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${url}: the process exited (${proc.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(cmd: string, args: string[], env: Record<string, string>): { proc: ChildProcess; log: () => string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PRECINCT_'))) as Record<string, string>;
  const proc = spawn(cmd, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (b) => (out = (out + b).slice(-20_000)));
  proc.stderr?.on('data', (b) => (out = (out + b).slice(-20_000)));
  return { proc, log: () => out };
}

interface Seeded {
  communities: { id: string; guildId: string; admin: { username: string }; member: { username: string } }[];
}

async function api(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<any> {
  const r = await fetch(base + path, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export default async function setup(): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const bin = mkdtempSync(join(tmpdir(), 'precinct-web-bin-'));
  const data = mkdtempSync(join(tmpdir(), 'precinct-web-data-'));
  // The binary embeds web/dist: the tests drive the committed build.
  execFileSync('go', ['build', '-o', join(bin, 'precinct'), './cmd/precinct'], { cwd: root, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', join(bin, 'fake-discord'), './scripts/fake-discord'], { cwd: root, stdio: 'inherit' });
  const precinct = join(bin, 'precinct');
  const cliEnv = { ...process.env, PRECINCT_DATA_DIR: data };

  const seeded = JSON.parse(
    execFileSync(precinct, ['seed', '--communities', '2', '--members', '3', '--civilians', '2', '--vehicles', '2', '--password', password], {
      env: cliEnv,
      encoding: 'utf8',
    }),
  ) as Seeded;
  // Accounts of their own for the tests that change things, so that the
  // test files can run side by side.
  const users = ['alice', 'bob', 'carol', 'dave'];
  for (const u of users) {
    execFileSync(precinct, ['user', 'create', '--username', u], { env: cliEnv, input: password + '\n' });
  }

  const [port, discordPort] = await Promise.all([freePort(), freePort()]);
  const base = `http://127.0.0.1:${port}`;
  const c1 = seeded.communities[0]!;
  const c2 = seeded.communities[1]!;
  // The fake Discord signs in one new Discord user, who is in c1's server.
  const discordUser = { id: '424242424242424242', name: 'newcomer' };
  const discord = start(
    join(bin, 'fake-discord'),
    ['-addr', `127.0.0.1:${discordPort}`, '-id', discordUser.id, '-name', discordUser.name, '-guilds', c1.guildId],
    {},
  );
  const server = start(precinct, ['serve'], {
    PRECINCT_HTTP_ADDR: `127.0.0.1:${port}`,
    PRECINCT_PUBLIC_URL: base,
    PRECINCT_DATA_DIR: data,
    PRECINCT_LOG_FORMAT: 'json',
    PRECINCT_DISCORD_BASE_URL: `http://127.0.0.1:${discordPort}`,
    PRECINCT_DISCORD_CLIENT_ID: '100000000000000001',
    PRECINCT_DISCORD_CLIENT_SECRET: 'fake-discord-secret',
  });
  const stop = async () => {
    for (const p of [server.proc, discord.proc]) {
      if (p.exitCode === null) {
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
      }
    }
    rmSync(bin, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  };
  try {
    await waitFor(`http://127.0.0.1:${discordPort}/`, discord.proc, discord.log);
    await waitFor(`${base}/readyz`, server.proc, server.log);

    // alice is a member of both communities (the switcher); bob and carol of
    // c1, where members may deposit and withdraw; dave of c2, where they may
    // not (the default).
    const admin1 = (await api(base, 'POST', '/api/auth/login', null, { username: c1.admin.username, password })).token;
    const admin2 = (await api(base, 'POST', '/api/auth/login', null, { username: c2.admin.username, password })).token;
    for (const u of ['alice', 'bob', 'carol']) await api(base, 'POST', `/api/community/${c1.id}/members`, admin1, { username: u });
    for (const u of ['alice', 'dave']) await api(base, 'POST', `/api/community/${c2.id}/members`, admin2, { username: u });
    await api(base, 'PATCH', `/api/community/${c1.id}`, admin1, { settings: { allowMemberDepositsWithdrawals: true } });
    const names = {
      c1: (await api(base, 'GET', `/api/community/${c1.id}`, admin1)).name as string,
      c2: (await api(base, 'GET', `/api/community/${c2.id}`, admin2)).name as string,
    };
    process.env.PRECINCT_E2E = JSON.stringify({ base, password, c1: { ...c1, name: names.c1 }, c2: { ...c2, name: names.c2 }, discordUser });
    process.stdout.write(`precinct for the browser tests at ${base} (set up in ${Date.now() - t0} ms)\n`);
  } catch (e) {
    process.stderr.write(`precinct output:\n${server.log()}\n`);
    await stop();
    throw e;
  }
  return stop;
}
