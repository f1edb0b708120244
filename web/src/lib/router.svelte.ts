// A small router over the History API: the app's few paths, deep links that
// survive a reload (the server answers index.html for each), and links that
// navigate without a page load.

export type RouteName =
  | 'home'
  | 'login'
  | 'register'
  | 'account'
  | 'invite'
  | 'community'
  | 'civilians'
  | 'admin'
  | 'notFound';

export interface Route {
  name: RouteName;
  params: Record<string, string>;
}

// The same list as web/handler.go's appPath: a path here is answered 200 by
// the server, anything else 404 with the not-found page.
const table: [RegExp, RouteName, string[]][] = [
  [/^\/$/, 'home', []],
  [/^\/login$/, 'login', []],
  [/^\/register$/, 'register', []],
  [/^\/account$/, 'account', []],
  [/^\/invite\/([^/]+)$/, 'invite', ['code']],
  [/^\/c\/([^/]+)$/, 'community', ['communityId']],
  [/^\/c\/([^/]+)\/civilians$/, 'civilians', ['communityId']],
  [/^\/c\/([^/]+)\/admin$/, 'admin', ['communityId']],
];

export function match(path: string): Route {
  for (const [re, name, keys] of table) {
    const m = re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    keys.forEach((k, i) => {
      params[k] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { name, params };
  }
  return { name: 'notFound', params: {} };
}

export const location = $state({ path: window.location.pathname, search: window.location.search });

function sync() {
  location.path = window.location.pathname;
  location.search = window.location.search;
}

/** query reads one parameter of the current URL's query string. */
export function query(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

/**
 * localPath keeps a path only when it is on this site ("/x", never "//x" or
 * "https://…"), so a ?next= cannot send anyone elsewhere.
 */
export function localPath(p: string | null | undefined, fallback = '/'): string {
  if (!p || !p.startsWith('/') || p.startsWith('//') || p.startsWith('/\\')) return fallback;
  return p;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  if (url.origin !== window.location.origin) {
    window.location.assign(to);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (opts.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  sync();
  window.scrollTo(0, 0);
}

/** start listens for Back/Forward and for clicks on the app's own links. */
export function start(): void {
  window.addEventListener('popstate', sync);
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.native !== undefined) return;
    const url = new URL(a.href, window.location.origin);
    if (url.origin !== window.location.origin) return;
    // The API's own pages (Discord sign-in, docs) are real navigations.
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}
