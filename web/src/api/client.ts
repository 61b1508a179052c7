import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

// The typed client: paths and shapes come from the API's OpenAPI document (schema.d.ts, generated
// by `npm run web:client`), so the app cannot drift from the API. Cookies ride along (same origin);
// writes carry the session's CSRF token.

export type Schemas = components['schemas'];
export type HandoffView = Schemas['HandoffView'];
export type Packet = Schemas['Packet'];
export type InboxEntry = Schemas['InboxEntry'];
export type Citation = Packet['contractFacts'][number]['sources'][number];
export type Problem = Schemas['Problem'];

let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token;
};

const csrf: Middleware = {
  onRequest({ request }) {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

/** A problem+json answer as an error: its status and the sentence the API wrote for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `the server answered ${status}`);
  }
}

/** The data of an openapi-fetch result, or an ApiError. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) throw new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
  return result.data;
}

/** A fresh request id per user action: a retried click is then the same action (the API dedupes by it). */
export const requestId = () => crypto.randomUUID();

/** The signed-in person (GET /auth/session), or null when there is no session (401). */
export type Session = Schemas['SessionView'];

export async function fetchSession(): Promise<Session | null> {
  const result = await api.GET('/auth/session', {});
  if (result.response.status === 401) return null;
  return ok(result);
}

export async function signOut(): Promise<void> {
  await api.POST('/auth/logout', {});
}
