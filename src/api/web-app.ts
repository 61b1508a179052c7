import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import helmet from 'helmet';
import { htmlPage } from './routes/session';

// The web app (web/, built by `npm run web:build` into web/dist) is served by the API itself, same
// origin, so the session cookie can be SameSite=Strict and the CSP can say 'self' everywhere.

export const defaultWebDist = path.resolve(__dirname, '..', '..', 'web', 'dist');

/**
 * helmet with a strict Content-Security-Policy: scripts, styles and everything else only from this
 * origin, no inline script or style, no framing. The app uses CSS files and classes only.
 */
export const securityHeaders = () =>
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Not helmet's no-referrer: under it browsers send `Origin: null` on this site's own form posts,
    // which the CSRF origin check needs to see. Other sites still get no referrer.
    referrerPolicy: { policy: 'same-origin' },
  });

/** Vite names every file under assets/ by its content hash: such a URL never changes meaning. */
function setCacheHeaders(res: Response, file: string, distDir: string): void {
  const relative = path.relative(distDir, file).split(path.sep);
  res.set('cache-control', relative[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache');
}

function missingBuild(res: Response): void {
  res
    .status(503)
    .type('html')
    .set('cache-control', 'no-store')
    .send(htmlPage('The web app is not built', '<p>The API runs, but <code>web/dist</code> is missing: run <code>npm run web:build</code> (or <code>npm start</code>, which builds it).</p>'));
}

/**
 * Static files of web/dist, and index.html for any other GET that asks for HTML (a page load; the
 * app routes in the browser). Paths whose first segment belongs to the API (`apiPrefixes`, from the route table) are
 * never answered with the app, so they keep their JSON 404s.
 */
export function webApp({ distDir = defaultWebDist, apiPrefixes }: { distDir?: string; apiPrefixes: ReadonlySet<string> }): Router {
  const router = Router();
  const isApiPath = (req: Request) => apiPrefixes.has(req.path.split('/')[1] ?? '');
  router.use((req, res, next) => (isApiPath(req) ? next('router') : next()));
  router.use(express.static(distDir, { index: false, redirect: false, setHeaders: (res, file) => setCacheHeaders(res, file, distDir) }));
  router.use((req, res, next) => {
    // Only a page load asks for HTML by name; `*/*` (curl, fetch) keeps getting problem+json 404s.
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    res.sendFile(path.join(distDir, 'index.html'), { headers: { 'cache-control': 'no-cache' } }, (err?: NodeJS.ErrnoException) => {
      if (!err) return;
      if (err.code === 'ENOENT' && !res.headersSent) return missingBuild(res);
      next(err);
    });
  });
  return router;
}

/** The first path segments of the API's routes (`handoffs`, `auth`, `openapi.json`, …). */
export const apiPrefixesOf = (routes: ReadonlyArray<{ path: string }>): Set<string> => new Set(routes.map((r) => r.path.split('/')[1]).filter(Boolean));
