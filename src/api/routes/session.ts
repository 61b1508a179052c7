import type { Request, Response } from 'express';
import { z } from 'zod';
import { consumeLoginLink, deleteSession, pruneSessions } from '../../db/sessions';
import { clearSessionCookie, crossSiteReason, CSRF_HEADER, SESSION_COOKIE, sessionCookieOptions, sessionLimits } from '../auth';
import { forbidden, HttpProblem } from '../problem';
import { defineRoute } from '../route-table';

// Sign-in for people: a one-time link (`handoff login-link`, or printed by `npm start`) opens a
// page whose form posts the token, so a link scanner that GETs the URL does not use it up. The
// POST opens a session: an httpOnly, SameSite=Strict cookie holding a random id stored hashed.

export const LoginToken = z
  .string()
  .regex(/^hlk_[A-Za-z0-9_-]{43}$/, 'not a sign-in token (ask for a new link: npx handoff login-link --principal <id>)')
  .describe('The one-time token of a sign-in link');

export const LoginQuery = z.object({ token: LoginToken }).meta({ id: 'LoginQuery' });
export const LoginForm = z.object({ token: LoginToken }).meta({ id: 'LoginForm' });

export const SessionView = z
  .object({
    principal: z.object({ id: z.string(), name: z.string().optional(), roles: z.array(z.string()) }),
    csrfToken: z.string().describe(`Send it as the ${CSRF_HEADER} header on every write made with the session cookie`),
    expiresAt: z.string().describe('When the session ends unless used again (ISO 8601); never later than the absolute limit'),
  })
  .meta({ id: 'SessionView', description: 'The signed-in person of this browser session' });
export type SessionView = z.infer<typeof SessionView>;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A tiny page without script or inline style, so the strict CSP holds on it too. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Handoff</title></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>
`;
}

/** People get a page, programs problem+json: a failed sign-in is read by whoever clicked. */
function refuse(req: Request, res: Response, problem: HttpProblem): void {
  if (req.accepts(['application/json', 'application/problem+json', 'text/html']) !== 'text/html') throw problem;
  res.status(problem.status).type('html').set('cache-control', 'no-store').send(htmlPage('Sign-in failed', `<p>${escapeHtml(problem.message)}</p>`));
}

const noSession = () => new HttpProblem(401, 'Unauthorized', 'no browser session: sign in with a link from `npx handoff login-link` (bearer tokens have no session)');

export const loginPage = defineRoute({
  method: 'get',
  path: '/auth/login',
  operationId: 'loginPage',
  summary: 'The sign-in page of a login link: a form that posts the one-time token (the GET does not use it up)',
  tag: 'session',
  auth: 'public',
  who: 'anyone holding a sign-in link',
  query: LoginQuery,
  responses: { 200: { description: 'An HTML page with a sign-in button', contentType: 'text/html' } },
  handler({ res, query }) {
    res
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        htmlPage(
          'Sign in to Handoff',
          `<p>This sign-in link works once and expires soon.</p>
<form method="post" action="/auth/login">
<input type="hidden" name="token" value="${escapeHtml(query.token)}">
<button type="submit">Sign in</button>
</form>`,
        ),
      );
  },
});

export const login = defineRoute({
  method: 'post',
  bodyType: 'form',
  path: '/auth/login',
  operationId: 'login',
  summary: `Use a sign-in link's one-time token: sets the ${SESSION_COOKIE} cookie and redirects (303) to the app`,
  description:
    `The cookie is httpOnly, SameSite=Strict, Path=/ and Secure under HTTPS. 400 when the token is unknown, used or expired; ` +
    '403 when the form was posted from another site.',
  tag: 'session',
  auth: 'public',
  who: 'anyone holding a sign-in link',
  body: LoginForm,
  responses: { 303: { description: `Signed in: ${SESSION_COOKIE} is set; Location is /` } },
  async handler({ req, res, deps, body }) {
    // Another site must not sign a visitor into an account it chose (login CSRF).
    const crossSite = crossSiteReason(req);
    if (crossSite) return refuse(req, res, forbidden(crossSite));
    const limits = sessionLimits(deps.config);
    await pruneSessions(deps.pool, limits.absoluteS);
    const opened = await consumeLoginLink(deps.pool, body.token, limits);
    if (!opened) {
      return refuse(
        req,
        res,
        new HttpProblem(400, 'Bad Request', 'this sign-in link was already used, has expired or is unknown; ask for a new one (npx handoff login-link --principal <id>)', {
          errors: [{ path: 'token', message: 'used, expired or unknown' }],
        }),
      );
    }
    res.cookie(SESSION_COOKIE, opened.sessionId, sessionCookieOptions(req, deps.config, limits.absoluteS * 1000));
    res.set('cache-control', 'no-store').redirect(303, '/');
  },
});

export const getSession = defineRoute({
  method: 'get',
  path: '/auth/session',
  operationId: 'getSession',
  summary: 'Who is signed in in this browser, and the CSRF token its writes must carry',
  description: '401 when the request has no live session cookie (a bearer token has no session).',
  tag: 'session',
  auth: 'any',
  who: 'a signed-in person (session cookie)',
  responses: { 200: { description: 'The session', schema: SessionView } },
  handler({ req, res }) {
    const session = req.session;
    if (!session) throw noSession();
    const view: SessionView = { principal: session.principal, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
    res.set('cache-control', 'no-store').json(view);
  },
});

export const logout = defineRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  summary: 'Sign out: ends the session and clears its cookie',
  description: `A write like any other: needs the ${CSRF_HEADER} header. 401 without a session.`,
  tag: 'session',
  auth: 'any',
  who: 'a signed-in person (session cookie)',
  responses: { 204: { description: 'Signed out' } },
  async handler({ req, res, deps }) {
    const session = req.session;
    if (!session) throw noSession();
    await deleteSession(deps.pool, session.id);
    clearSessionCookie(req, res, deps.config);
    res.status(204).end();
  },
});
