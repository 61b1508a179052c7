import express from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import { authenticate } from './auth';
import { problemHandler, sendProblem } from './problem';
import { handoffRoutes } from './routes/handoffs';

export interface AppDeps {
  client: Client;
  pool: Pool;
  config: Config;
  logger?: Logger;
}

export function createApp({ client, pool, config, logger = pino({ level: config.LOG_LEVEL }) }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Never log tokens or document text: only the method, path and who asked.
      serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
      customProps: (req) => ({ principal: (req as express.Request).actor?.id }),
    }),
  );
  app.use(express.json({ limit: config.MAX_BODY_BYTES, strict: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.use(authenticate(pool));
  app.use(handoffRoutes({ client, pool, config }));
  app.use((req, res) => sendProblem(res, 404, 'Not Found', `no route ${req.method} ${req.path}`));
  app.use(problemHandler(logger));
  return app;
}
