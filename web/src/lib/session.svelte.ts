// Who is signed in: GET /api/auth/me, read once at start and after sign-in.
// Nothing is stored in the browser: the session cookie is the credential.
import { api, ok, onSignedOut, type Schemas } from './api/client';

export type Profile = Schemas['Profile'];
export type ProfileCommunity = Schemas['ProfileCommunity'];

export const session = $state<{ me: Profile | null; loaded: boolean }>({ me: null, loaded: false });

export async function loadMe(): Promise<Profile | null> {
  const res = await api.GET('/api/auth/me');
  if (res.response.status === 401) {
    session.me = null;
  } else {
    session.me = await ok(Promise.resolve(res));
  }
  session.loaded = true;
  return session.me;
}

export async function signOut(): Promise<void> {
  try {
    await ok(api.POST('/api/auth/logout'));
  } finally {
    session.me = null;
  }
}

onSignedOut(() => {
  session.me = null;
});

/** community finds one of the signed-in user's communities by id or guild id. */
export function communityOf(id: string): ProfileCommunity | undefined {
  return session.me?.communities.find((c) => c.communityId === id || c.guildId === id);
}

const rank: Record<string, number> = { member: 1, supervisor: 2, admin: 3 };

/** atLeast reports whether the user holds role (or higher) in the community; Super Admins do everywhere. */
export function atLeast(c: ProfileCommunity | undefined, role: 'member' | 'supervisor' | 'admin'): boolean {
  if (session.me?.superAdmin) return true;
  return !!c && (rank[c.role] ?? 0) >= (rank[role] ?? 99);
}
