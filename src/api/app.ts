import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import cookieParser from 'cookie-parser';
import { authenticate } from './auth';
import { bodyGuard } from './body-guard';
import { idempotency } from './idempotency';
import { problemHandler, sendProblem, unsupportedMediaType } from './problem';
import { createMetricsRegistry, httpMetrics } from './prometheus';
import { requestTracing, traceIdOf } from './tracing';
import { buildRouter, type ApiRoute } from './route-table';
import { uploadBody } from './uploads';
import { temporalProblems } from './temporal-errors';
import { apiRoutes } from './routes';
import { apiPrefixesOf, securityHeaders, webApp } from './web-app';

export interface AppDeps {
  client: Client;
  pool: Pool;
  config: Config;
  logger?: Logger;
}

/** POST bodies are JSON: anything else with a body is refused (415) rather than read as empty. */
const jsonOnly: RequestHandler = (req, _res, next) => {
  if (req.uploads) return next(); // multipart, read into a JSON body by uploadBody (routes with `upload`)
  // `Content-Length: 0` without a type is no body (fetch sends it for a bodiless POST such as sign-out).
  if (req.is(['application/json', 'application/*+json']) === false && req.get('content-length') !== '0') return next(unsupportedMediaType('send the body as application/json'));
  next();
};

/** The sign-in form's body: a form, or nothing else. */
const formOnly: RequestHandler = (req, _res, next) => {
  if (req.is('application/x-www-form-urlencoded') === false && req.get('content-length') !== '0') return next(unsupportedMediaType('send the body as application/x-www-form-urlencoded'));
  next();
};

/** A known path asked with a method it does not take: 405 with the methods it does (RFC 9110). */
function wrongMethod(routes: ApiRoute[]): RequestHandler {
  const matchers = routes.map((route) => ({ method: route.method.toUpperCase(), path: new RegExp(`^${route.path.replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`) }));
  return (req, res, next) => {
    const allowed = [...new Set(matchers.filter((m) => m.path.test(req.path)).map((m) => m.method))];
    if (!allowed.length) return next();
    if (allowed.includes('GET')) allowed.push('HEAD');
    res.set('allow', allowed.join(', '));
    sendProblem(res, 405, 'Method Not Allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}`);
  };
}

export function createApp({ client, pool, config, logger = pino({ level: config.LOG_LEVEL }) }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS proxy, req.secure (and so the session cookie's Secure flag) follows X-Forwarded-Proto.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(securityHeaders());
  app.use(cookieParser());
  // Express would otherwise turn `?a[b]=c` into objects; the zod query schemas expect strings.
  app.set('query parser', 'simple');
  const metrics = createMetricsRegistry();
  app.use(httpMetrics(metrics));
  // Before the logger: its lines carry the request's trace id next to its request id.
  app.use(requestTracing());
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const header = req.headers['x-request-id'];
        const id = typeof header === 'string' && /^[\x21-\x7e]{1,100}$/.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Never log tokens or document text: only the method, route, who asked and which handoff.
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: String(req.url).split('?')[0].slice(0, 300) }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      customProps: (req, res) => {
        const r = req as express.Request;
        return { principal: r.actor?.id, handoffId: r.handoffId, route: r.routeLabel, traceId: traceIdOf(res as express.Response) };
      },
    }),
  );

  // The raw bytes are kept for routes whose caller signs the body (webhooks): a signature covers bytes, not parsed JSON.
  const json = express.json({
    limit: config.MAX_BODY_BYTES, strict: false, type: ['application/json', 'application/*+json'],
    verify: (req, _res, buf) => { (req as express.Request).rawBody = buf; },
  });
  const auth = authenticate(pool, config);
  // The no-script sign-in page posts a form; nothing else takes one.
  const form = express.urlencoded({ extended: false, limit: '4kb', type: 'application/x-www-form-urlencoded' });
  const idem = idempotency(pool, logger);
  // Authenticate before reading a body: strangers cannot make the API parse megabytes. The guard
  // (depth, storable text) runs before idempotency hashes the body and before any schema reads it.
  const before = (route: ApiRoute): RequestHandler[] => [
    // Signed routes (webhooks) have no bearer token: the route checks the body's signature itself.
    ...(route.auth === 'public' || route.auth === 'signature' ? [] : [auth]),
    ...(route.method === 'post' ? (route.bodyType === 'form' ? [formOnly, form] : [...uploadBody(route, config), jsonOnly, json, bodyGuard, idem]) : []),
  ];
  app.use(buildRouter(apiRoutes, { client, pool, config, metrics }, before));
  app.use(wrongMethod(apiRoutes));
  app.use(webApp({ distDir: config.WEB_DIST_DIR, apiPrefixes: apiPrefixesOf(apiRoutes) }));
  app.use((req, res) => sendProblem(res, 404, 'Not Found', `no route ${req.method} ${req.path.slice(0, 200)}`));
  app.use(temporalProblems());
  app.use(problemHandler(logger));
  return app;
}
