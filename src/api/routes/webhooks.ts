import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { IntakeBundle } from '../../domain/intake';
import type { Actor } from '../../domain/review';
import { HUBSPOT_INTAKE_WORKFLOW, hubspotIntakeWorkflowId, type HubspotIntakeInput } from '../../workflows/hubspot-definitions';
import { HttpProblem } from '../problem';
import { defineRoute } from '../route-table';
import { HandoffCreated } from '../schemas';
import { toHttpProblem } from '../temporal-errors';
import { uiLink } from '../present';
import { startHandoff } from './handoffs';

// Webhooks: other systems start handoffs without a bearer token; each request is signed over its raw
// bytes, and a signature older than five minutes is refused, so a captured request cannot be replayed later.

/** How far a signed timestamp may be from now, either way. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

export const INTAKE_HEADERS = { source: 'x-handoff-source', timestamp: 'x-handoff-timestamp', signature: 'x-handoff-signature' } as const;

const signatureRefused = (detail: string) => new HttpProblem(401, 'Unauthorized', detail);

/** Constant-time comparison of two signatures as text; different lengths are simply unequal. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<raw body>` with the source's secret. */
export function intakeSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * HubSpot's v3 signature: base64 HMAC-SHA256, with the app's client secret, of method + URI + body +
 * timestamp (ms). The URI is the one HubSpot called, with the characters HubSpot's docs list decoded.
 */
export function hubspotSignatureV3(clientSecret: string, method: string, uri: string, rawBody: Buffer | string, timestamp: string): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}`).update(rawBody).update(timestamp).digest('base64');
}

const hubspotDecoded: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};
const hubspotUri = (uri: string) => uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => hubspotDecoded[m.toUpperCase()]);

/** The timestamp header as a number of ms, when it is within the window. */
function freshTimestamp(header: string | undefined, unitMs: number, now = Date.now()): boolean {
  if (!header || !/^\d{1,16}$/.test(header)) return false;
  return Math.abs(now - Number(header) * unitMs) <= SIGNATURE_WINDOW_MS;
}

const rawBodyOf = (req: Request): Buffer => req.rawBody ?? Buffer.alloc(0);

function verifyIntakeSignature(req: Request, secrets: Record<string, string>): string {
  const source = req.get(INTAKE_HEADERS.source) ?? '';
  const timestamp = req.get(INTAKE_HEADERS.timestamp);
  const signature = req.get(INTAKE_HEADERS.signature) ?? '';
  const secret = Object.hasOwn(secrets, source) ? secrets[source] : undefined;
  if (!secret) throw signatureRefused(`unknown source: send ${INTAKE_HEADERS.source} with a source configured in INTAKE_WEBHOOK_SECRETS`);
  if (!freshTimestamp(timestamp, 1000)) throw signatureRefused(`${INTAKE_HEADERS.timestamp} must be the Unix time in seconds, within 5 minutes of now`);
  if (!sameSignature(intakeSignature(secret, timestamp!, rawBodyOf(req)), signature)) throw signatureRefused(`${INTAKE_HEADERS.signature} does not match the body`);
  return source;
}

export const intakeWebhook = defineRoute({
  method: 'post',
  path: '/webhooks/intake',
  operationId: 'intakeWebhook',
  summary: 'Start a handoff from any CRM: the intake bundle, signed with the source\'s secret',
  description:
    'Headers: `X-Handoff-Source` (a source configured in INTAKE_WEBHOOK_SECRETS), `X-Handoff-Timestamp` (Unix seconds, within ' +
    '5 minutes), `X-Handoff-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. Starts the handoff as POST /handoffs ' +
    'does: a deal whose handoff is running answers 200 with it, a finished one 409.',
  tag: 'webhooks',
  auth: 'signature',
  signatureScheme: 'intakeSignature',
  who: 'a system holding a configured source secret (no bearer token)',
  body: IntakeBundle,
  authorize: async ({ req, deps }) => ({ source: verifyIntakeSignature(req, deps.config.INTAKE_WEBHOOK_SECRETS) }),
  responses: {
    201: { description: 'Started', schema: HandoffCreated },
    200: { description: 'The deal\'s handoff is running already', schema: HandoffCreated },
  },
  errors: [409, 503],
  async handler({ deps, body, loaded, req, res }) {
    const actor: Actor = { id: `webhook:${loaded.source}`, roles: ['sales'] };
    const { handoffId, created } = await startHandoff(deps, actor, body);
    req.handoffId = handoffId;
    res.status(created ? 201 : 200).location(`/handoffs/${handoffId}`).json({ handoffId, created, links: { temporalUi: uiLink(deps.config, handoffId) } });
  },
});

const numericId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);

/** One event of a HubSpot webhook batch; fields this API does not use pass through unchecked. */
export const HubspotEvent = z.looseObject({
  eventId: numericId,
  subscriptionType: z.string().max(100),
  objectId: numericId,
  propertyName: z.string().max(200).optional(),
  propertyValue: z.string().max(1000).optional(),
  occurredAt: z.number().optional(),
  portalId: z.number().optional(),
});
export const HubspotEvents = z.array(HubspotEvent).max(1000);

const HubspotAnswer = z.object({
  received: z.number().int(),
  started: z.array(z.string()).describe('intake workflow ids started by this delivery'),
  duplicates: z.array(z.string()).describe('intake workflows that an earlier delivery started'),
  ignored: z.number().int().describe('events that are not a deal entering a closed-won stage'),
});

function verifyHubspotSignature(req: Request, clientSecret: string | undefined, webhookUrl: string | undefined): void {
  if (!clientSecret) throw signatureRefused('HubSpot webhooks are not configured (HUBSPOT_CLIENT_SECRET)');
  const timestamp = req.get('x-hubspot-request-timestamp');
  if (!freshTimestamp(timestamp, 1)) throw signatureRefused('X-HubSpot-Request-Timestamp is missing or older than 5 minutes');
  // Behind a proxy the URL HubSpot signed is the public one: HUBSPOT_WEBHOOK_URL, with the query as received.
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
  const uri = webhookUrl ? `${webhookUrl}${query}` : `${req.protocol}://${req.get('host')}${req.originalUrl}`;
  const expected = hubspotSignatureV3(clientSecret, req.method, hubspotUri(uri), rawBodyOf(req), timestamp!);
  if (!sameSignature(expected, req.get('x-hubspot-signature-v3') ?? '')) throw signatureRefused('X-HubSpot-Signature-v3 does not match the request');
}

export const hubspotWebhook = defineRoute({
  method: 'post',
  path: '/webhooks/hubspot',
  operationId: 'hubspotWebhook',
  summary: 'HubSpot deal events: a deal entering a closed-won stage starts its intake',
  description:
    'Verifies X-HubSpot-Signature-v3 and answers at once. For each `deal.propertyChange` of `dealstage` to a stage in ' +
    'HUBSPOT_CLOSED_WON_STAGES it starts the workflow `hubspot-deal-<objectId>`, which reads the deal from HubSpot and starts its ' +
    'handoff; a repeated delivery starts nothing more.',
  tag: 'webhooks',
  auth: 'signature',
  signatureScheme: 'hubspotSignature',
  who: 'HubSpot, signing with the app\'s client secret (no bearer token)',
  body: HubspotEvents,
  authorize: async ({ req, deps }) => verifyHubspotSignature(req, deps.config.HUBSPOT_CLIENT_SECRET, deps.config.HUBSPOT_WEBHOOK_URL),
  responses: { 200: { description: 'Received', schema: HubspotAnswer } },
  errors: [503],
  async handler({ deps, body, res }) {
    const { config, client } = deps;
    const closedWon = body.filter(
      (e) => e.subscriptionType === 'deal.propertyChange' && e.propertyName === 'dealstage' && !!e.propertyValue && config.HUBSPOT_CLOSED_WON_STAGES.includes(e.propertyValue),
    );
    // One workflow per deal: a batch may name a deal twice, HubSpot may deliver a batch twice.
    const deals = [...new Map(closedWon.map((e) => [e.objectId, e])).values()];
    const started: string[] = [];
    const duplicates: string[] = [];
    await Promise.all(
      deals.map(async (event) => {
        const workflowId = hubspotIntakeWorkflowId(event.objectId);
        const input: HubspotIntakeInput = {
          objectId: event.objectId,
          eventId: event.eventId,
          stage: event.propertyValue!,
          retry: { initialIntervalS: config.HUBSPOT_RETRY_INITIAL_S, maximumIntervalS: config.HUBSPOT_RETRY_MAX_S },
        };
        try {
          await client.workflow.start(HUBSPOT_INTAKE_WORKFLOW, {
            workflowId,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            // A deal's intake runs once; only a failed one (a deal HubSpot held invalid data for) may run again.
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            args: [input],
          });
          started.push(workflowId);
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) duplicates.push(workflowId);
          // Temporal down: 503, and HubSpot delivers the batch again later.
          else throw toHttpProblem(err, workflowId);
        }
      }),
    );
    res.json({ received: body.length, started: started.sort(), duplicates: duplicates.sort(), ignored: body.length - closedWon.length });
  },
});
