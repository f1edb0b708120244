// The one way the app talks to the API: openapi-fetch over the types that
// `make generate` writes from docs/openapi.yaml (schema.d.ts). No request or
// answer shape is written by hand here.
//
// Credentials: the session cookie only (HttpOnly, set by the server). The
// app never holds a token: the JWT that sign-in answers with is dropped.
// Every request is same-origin, so the browser sends Sec-Fetch-Site:
// same-origin and Origin, which is what the server's cross-origin protection
// (http.CrossOriginProtection) lets through for writes.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];

export const api = createClient<paths>({
  baseUrl: '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
});

/** An answer that was not a success, with the API's own message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  constructor(status: number, message: string, code = '', requestId = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Listeners told when the session has ended (a 401 on a signed-in call). */
const signedOut = new Set<() => void>();
export function onSignedOut(fn: () => void): () => void {
  signedOut.add(fn);
  return () => signedOut.delete(fn);
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ErrorBody).msg === 'string';
}

/**
 * ok unwraps an openapi-fetch call: the answer's data, or an ApiError that
 * carries the API's message. A 401 tells the session it has ended, unless
 * the call is a sign-in (whose 401 is a wrong password).
 */
export async function ok<T>(call: Promise<Result<T>>, opts: { signIn?: boolean } = {}): Promise<T> {
  let res: Result<T>;
  try {
    res = await call;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Could not reach Precinct. Check your connection and try again.');
  }
  if (res.response.ok) return res.data as T;
  const body = res.error;
  const status = res.response.status;
  if (status === 401 && !opts.signIn) signedOut.forEach((fn) => fn());
  if (isErrorBody(body)) throw new ApiError(status, body.msg, body.code, body.requestId);
  throw new ApiError(status, `The server answered ${status} ${res.response.statusText}`.trim());
}

/** message turns anything thrown into text for a person. */
export function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
