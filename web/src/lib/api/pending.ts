// PENDING: the routes of issue 18 that the backend adds after this app was
// written (the lead's shapes, brief "New API the app relies on"). They are not
// in docs/openapi.yaml yet, so schema.d.ts has no types for them, and these
// few are the only shapes written by hand in the app. When the routes land:
// `make generate`, then replace each function below with the typed call
// (api.GET('/api/auth/options'), …) and delete this file; svelte-check
// (npm run check) then proves the shapes agree.
import { ApiError, ok } from './client';
import type { Schemas } from './client';

export interface AuthOptions {
  discord: boolean;
  openRegistration: boolean;
}

export interface InviteInfo {
  communityId: string;
  communityName: string;
  role: 'admin' | 'supervisor' | 'member';
  expiresAt: string | null;
}

export interface Invite {
  _id: string;
  code?: string;
  url?: string;
  role: 'admin' | 'supervisor' | 'member';
  departments: string[];
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
}

export interface Announcement {
  _id: string;
  title?: string;
  message: string;
  priority: string;
  authorId?: string;
  authorName?: string;
  createdAt: string;
}

export interface RegisterInput {
  username: string;
  password: string;
  securityQuestions: { question: string; answer: string }[];
  inviteCode?: string;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<{ data?: T; error?: unknown; response: Response }> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  return response.ok ? { data: json as T, response } : { error: json, response };
}

const seg = encodeURIComponent;

/** GET /api/auth/options; until the route exists its 404 means neither. */
export async function authOptions(): Promise<AuthOptions> {
  const res = await call<AuthOptions>('GET', '/api/auth/options');
  if (res.response.status === 404) return { discord: false, openRegistration: false };
  return ok(Promise.resolve(res));
}

/** POST /api/auth/register: a password sign-up (with an invite, or open registration). */
export function register(input: RegisterInput): Promise<Schemas['SignIn']> {
  return ok(call<Schemas['SignIn']>('POST', '/api/auth/register', input), { signIn: true });
}

/** GET /api/invites/{code}: what an invite grants; one 404 for every invite that cannot be used. */
export function inviteInfo(code: string): Promise<InviteInfo> {
  return ok(call<InviteInfo>('GET', `/api/invites/${seg(code)}`));
}

export function acceptInvite(code: string): Promise<{ communityId: string; role: string }> {
  return ok(call('POST', `/api/invites/${seg(code)}/accept`));
}

export function createInvite(
  communityId: string,
  input: { role: string; departments: string[]; maxUses: number | null; expiresAt: string | null },
): Promise<Invite> {
  return ok(call<Invite>('POST', `/api/community/${seg(communityId)}/invites`, input));
}

export function listInvites(communityId: string, after?: string): Promise<{ invites: Invite[]; nextCursor: string | null }> {
  const q = after ? `?after=${seg(after)}` : '';
  return ok(call('GET', `/api/community/${seg(communityId)}/invites${q}`));
}

export function revokeInvite(communityId: string, inviteId: string): Promise<unknown> {
  return ok(call('DELETE', `/api/community/${seg(communityId)}/invites/${seg(inviteId)}`));
}

/** GET /api/community/{id}/announcements; until the route exists, an empty list. */
export async function listAnnouncements(
  communityId: string,
  after?: string,
): Promise<{ announcements: Announcement[]; nextCursor: string | null; missing?: boolean }> {
  const q = after ? `?after=${seg(after)}` : '';
  const res = await call<{ announcements: Announcement[]; nextCursor: string | null }>(
    'GET',
    `/api/community/${seg(communityId)}/announcements${q}`,
  );
  if (res.response.status === 405 || res.response.status === 404) {
    // Only POST exists before the backend lands: live announcements still arrive.
    if (res.response.status === 405) return { announcements: [], nextCursor: null, missing: true };
  }
  return ok(Promise.resolve(res));
}

/** The URL that links Discord to the signed-in account (a navigation, not a fetch). */
export const discordLinkURL = '/api/auth/discord?link=1';

export { ApiError };
