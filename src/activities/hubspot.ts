import { Client as HubspotClient } from '@hubspot/api-client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { convert as htmlToText } from 'html-to-text';
import type { Config } from '../config';
import { loadBundle, storeBundle } from '../db/bundles';
import { IntakeBundle, type DocumentKind, type EvidenceDocument, type IntakeBundleInput, type Person } from '../domain/intake';
import { redactBundle } from '../domain/redact';
import { runExtraction } from '../intake/extract/pool';
import { inferKind } from '../intake/kind';
import type { Actor } from '../domain/review';
import { HttpProblem } from '../api/problem';
import { startHandoff } from '../api/routes/handoffs';
import type { ActivityDeps } from './deps';

// HubSpot intake: reads a closed-won deal and what is attached to it through the official SDK, and
// turns it into an intake bundle. Errors are sorted for Temporal: 429 waits as long as HubSpot asks,
// outages and auth failures retry with backoff, a deal that cannot make a valid bundle fails once.

export const INVALID_DEAL = 'InvalidHubspotDeal';
const MAX_DOCUMENTS = 50;
const MAX_TEXT = 200_000;

/** Deal properties read. `handoff_owner` and `implementation_owner` are custom owner properties (README). */
const DEAL_PROPERTIES = [
  'dealname', 'amount', 'deal_currency_code', 'closedate', 'dealstage', 'hubspot_owner_id', 'handoff_owner', 'implementation_owner', 'kickoff_date', 'description',
];

export function hubspotClient(config: Config): HubspotClient {
  if (!config.HUBSPOT_ACCESS_TOKEN) throw ApplicationFailure.retryable('HUBSPOT_ACCESS_TOKEN is not set on the worker', 'HubspotNotConfigured');
  // No SDK retries: Temporal's retry policy is the one place that waits, visible in history.
  return new HubspotClient({ accessToken: config.HUBSPOT_ACCESS_TOKEN, basePath: config.HUBSPOT_BASE_URL.replace(/\/$/, ''), numberOfApiCallRetries: 0 });
}

interface HubspotHttpError {
  code: number;
  headers?: Record<string, string>;
  body?: unknown;
}
const isHttpError = (err: unknown): err is HubspotHttpError => typeof (err as HubspotHttpError)?.code === 'number' && (err as HubspotHttpError).code >= 100;

/** Seconds HubSpot asked to wait (Retry-After: seconds or an HTTP date), or undefined. */
function retryAfterS(headers: Record<string, string> | undefined): number | undefined {
  const value = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 1), 3600) : undefined;
}

/**
 * A HubSpot failure as Temporal should treat it: 429 → retry after Retry-After; 5xx, 401/403 (a token
 * being fixed) and network errors → retry with backoff; other 4xx → the data is wrong (`invalidType`), no retry.
 */
export function hubspotFailure(err: unknown, what: string, invalidType = INVALID_DEAL): Error {
  if (err instanceof ApplicationFailure) return err;
  if (!isHttpError(err)) return ApplicationFailure.retryable(`HubSpot unreachable while ${what}: ${(err as Error)?.message ?? String(err)}`, 'HubspotUnavailable');
  if (err.code === 429) {
    const wait = retryAfterS(err.headers);
    return ApplicationFailure.create({
      message: `HubSpot rate limit while ${what}${wait ? `; retrying after ${wait} s` : ''}`,
      type: 'HubspotRateLimited',
      ...(wait ? { nextRetryDelay: wait * 1000 } : {}),
    });
  }
  if (err.code >= 500 || err.code === 401 || err.code === 403 || err.code === 408) {
    return ApplicationFailure.retryable(`HubSpot answered ${err.code} while ${what}`, 'HubspotUnavailable');
  }
  return ApplicationFailure.nonRetryable(`HubSpot answered ${err.code} while ${what}`, invalidType);
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw hubspotFailure(err, what);
  }
}

/** HubSpot rich text (notes, calls, email HTML) as plain text, the form citations quote. */
const plain = (html: string | null | undefined): string =>
  htmlToText(html ?? '', { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] }).trim();

const iso = (value: string | Date | null | undefined): string | undefined => {
  if (!value) return undefined;
  const date = value instanceof Date ? value : new Date(/^\d+$/.test(value) ? Number(value) : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

interface Built {
  bundleHash: string;
  dealId: string;
  documentIds: string[];
  skipped: Array<{ id: string; reason: string }>;
}

type Properties = Record<string, string | null | undefined>;
interface HubspotRecord {
  id: string;
  properties: Properties;
  createdAt?: Date;
  updatedAt?: Date;
}

export function createHubspotActivities({ pool, config }: ActivityDeps) {
  /** Person of a HubSpot owner id, mapped to a principal (HUBSPOT_OWNER_PRINCIPALS); undefined when unknown. */
  async function ownerPerson(client: HubspotClient, ownerId: string | null | undefined): Promise<Person | undefined> {
    if (!ownerId || !/^\d+$/.test(ownerId)) return undefined;
    let owner;
    try {
      owner = await client.crm.owners.ownersApi.getById(Number(ownerId), 'id', false);
    } catch (err) {
      // An owner since deleted leaves the role empty: the gate asks for one instead of failing the intake.
      if (isHttpError(err) && err.code === 404) return undefined;
      throw hubspotFailure(err, `reading owner ${ownerId}`);
    }
    if (!owner.email) return undefined;
    const map = config.HUBSPOT_OWNER_PRINCIPALS;
    const id = map[ownerId] ?? map[owner.email.toLowerCase()] ?? map[owner.email] ?? `hubspot-owner-${ownerId}`;
    const name = [owner.firstName, owner.lastName].filter(Boolean).join(' ').trim() || owner.email;
    return { id, name, email: owner.email };
  }

  async function readMany(client: HubspotClient, type: 'notes' | 'emails' | 'calls' | 'line_items' | 'companies', ids: string[], properties: string[]): Promise<HubspotRecord[]> {
    if (!ids.length) return [];
    const input = { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] };
    const api =
      type === 'line_items' ? client.crm.lineItems.batchApi
        : type === 'companies' ? client.crm.companies.batchApi
          : client.crm.objects[type].batchApi;
    const answer = await call(`reading the deal's ${type}`, () => api.read(input));
    return answer.results as HubspotRecord[];
  }

  /**
   * A file attached to the deal's notes, emails or calls, read by the same extraction as uploads (type by
   * content: PDF pages, DOCX, EML, HTML, text; in a worker thread): its text, or why it was left out.
   */
  async function fileDocument(client: HubspotClient, fileId: string, capturedAt: string): Promise<EvidenceDocument | { skipped: string }> {
    const file = await call(`reading file ${fileId}`, () => client.files.filesApi.getById(fileId));
    const name = file.name ? `${file.name}${file.extension ? `.${file.extension}` : ''}` : `file ${fileId}`;
    if ((file.size ?? 0) > config.UPLOAD_MAX_BYTES) return { skipped: `${name}: larger than ${config.UPLOAD_MAX_BYTES} bytes (UPLOAD_MAX_BYTES)` };
    const signed = await call(`signing a download URL for file ${fileId}`, () => client.files.filesApi.getSignedUrl(fileId));
    let response: Response;
    try {
      response = await fetch(signed.url, { signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw hubspotFailure(err, `downloading file ${fileId}`);
    }
    if (!response.ok) throw hubspotFailure({ code: response.status, headers: Object.fromEntries(response.headers) }, `downloading file ${fileId}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!bytes.length) return { skipped: `${name}: empty` };
    const outcome = await runExtraction({ bytes, filename: name, docxMaxDecompressedBytes: config.DOCX_MAX_DECOMPRESSED_BYTES }, config.EXTRACT_TIMEOUT_MS);
    // A scanned or encrypted PDF, an image, a file too big to parse: named in the result, the rest goes on.
    if (!outcome.ok) return { skipped: `${name}: ${outcome.refusal.detail}` };
    const text = outcome.extraction.segments.join('\n\n').trim();
    if (!text) return { skipped: `${name}: no text` };
    const { kind } = inferKind({ format: outcome.extraction.format, filename: name, text });
    return {
      id: `file-${fileId}`, kind, title: outcome.extraction.title ?? name,
      capturedAt: iso(outcome.extraction.capturedAt) ?? iso(file.updatedAt ?? file.createdAt) ?? capturedAt, text,
    };
  }

  return {
    /** Reads the deal, owner, line items, notes, emails, calls and attached files; stores the redacted bundle. */
    async buildHubspotIntake({ objectId }: { objectId: string }): Promise<Built> {
      const client = hubspotClient(config);
      const deal = await call(`reading deal ${objectId}`, () =>
        client.crm.deals.basicApi.getById(objectId, DEAL_PROPERTIES, undefined, ['notes', 'emails', 'calls', 'line_items', 'companies']),
      );
      const p = deal.properties as Properties;
      // HubSpot names the line item association "line items" in answers; either spelling is read.
      const linked = (type: string) => ((deal.associations?.[type] ?? deal.associations?.[type.replace('_', ' ')])?.results ?? []).map((r) => r.id);
      const [notes, emails, calls, lineItems, companies] = await Promise.all([
        readMany(client, 'notes', linked('notes'), ['hs_note_body', 'hs_timestamp', 'hs_attachment_ids']),
        readMany(client, 'emails', linked('emails'), ['hs_email_subject', 'hs_email_text', 'hs_email_html', 'hs_timestamp', 'hs_email_direction', 'hs_attachment_ids']),
        readMany(client, 'calls', linked('calls'), ['hs_call_title', 'hs_call_body', 'hs_timestamp', 'hs_attachment_ids']),
        readMany(client, 'line_items', linked('line_items'), ['name', 'quantity', 'amount']),
        readMany(client, 'companies', linked('companies'), ['name']),
      ]);
      const [sales, handoffOwner, implementation] = await Promise.all(
        [p.hubspot_owner_id, p.handoff_owner, p.implementation_owner].map((id) => ownerPerson(client, id)),
      );

      const documents: EvidenceDocument[] = [];
      const skipped: Built['skipped'] = [];
      const when = (r: HubspotRecord) => iso(r.properties.hs_timestamp) ?? iso(r.createdAt) ?? new Date().toISOString();
      const add = (id: string, kind: DocumentKind, title: string | undefined, capturedAt: string, text: string) => {
        if (!text) return void skipped.push({ id, reason: 'no text' });
        if (text.length > MAX_TEXT) skipped.push({ id, reason: `text cut to ${MAX_TEXT} characters` });
        documents.push({ id, kind, ...(title ? { title } : {}), capturedAt, text: text.slice(0, MAX_TEXT) });
      };
      for (const n of notes) add(`note-${n.id}`, 'crm_note', undefined, when(n), plain(n.properties.hs_note_body));
      for (const e of emails) {
        const body = e.properties.hs_email_text?.trim() || plain(e.properties.hs_email_html);
        add(`email-${e.id}`, 'email', e.properties.hs_email_subject ?? undefined, when(e), body);
      }
      for (const c of calls) add(`call-${c.id}`, 'call_notes', c.properties.hs_call_title ?? undefined, when(c), plain(c.properties.hs_call_body));
      const attachments = [...notes, ...emails, ...calls].flatMap((r) =>
        (r.properties.hs_attachment_ids ?? '').split(';').map((id) => id.trim()).filter((id) => /^\d+$/.test(id)).map((id) => ({ id, capturedAt: when(r) })),
      );
      for (const { id, capturedAt } of [...new Map(attachments.map((a) => [a.id, a])).values()]) {
        const doc = await fileDocument(client, id, capturedAt);
        if ('skipped' in doc) skipped.push({ id: `file-${id}`, reason: doc.skipped });
        else add(doc.id, doc.kind, doc.title, doc.capturedAt, doc.text);
      }
      // The bundle holds at most 50 documents: the newest are kept, the rest named as left out.
      documents.sort((a, b) => b.capturedAt.localeCompare(a.capturedAt));
      for (const extra of documents.splice(MAX_DOCUMENTS)) skipped.push({ id: extra.id, reason: `more than ${MAX_DOCUMENTS} documents` });

      const amount = p.amount != null && p.amount !== '' ? Number(p.amount) : undefined;
      const products = lineItems.map((li) => li.properties.name?.trim()).filter((n): n is string => !!n).slice(0, 50);
      const raw: IntakeBundleInput = {
        dealId: `hubspot-${objectId}`,
        trigger: 'deal_closed',
        customer: { name: companies[0]?.properties.name?.trim() || p.dealname?.trim() || '' },
        ...(iso(p.closedate) ? { closedAt: iso(p.closedate) } : {}),
        ...(p.kickoff_date ? { kickoffTarget: p.kickoff_date.slice(0, 10) } : {}),
        systemOfRecord: { system: 'hubspot', recordId: objectId },
        owners: { ...(sales ? { sales } : {}), ...(handoffOwner ? { handoffOwner } : {}), ...(implementation ? { implementation } : {}) },
        crm: {
          ...(amount !== undefined ? { amount } : {}),
          ...(p.deal_currency_code ? { currency: p.deal_currency_code } : {}),
          ...(products.length ? { products } : {}),
        },
        documents,
      };
      const parsed = IntakeBundle.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(bundle)'}: ${i.message}`).join('; ');
        throw ApplicationFailure.nonRetryable(`the deal does not make a valid intake bundle: ${issues}`, INVALID_DEAL);
      }
      // Redacted before it is stored; only the hash goes back into workflow history.
      const { bundle } = redactBundle(parsed.data);
      const bundleHash = await storeBundle(pool, bundle);
      return { bundleHash, dealId: bundle.dealId, documentIds: bundle.documents.map((d) => d.id), skipped };
    },

    /** Starts the deal's handoff through the API's own start path (one live handoff per deal). */
    async startHubspotHandoff({ bundleHash, dealId }: { bundleHash: string; dealId: string }): Promise<{ handoffId: string; created: boolean }> {
      const bundle = await loadBundle(pool, bundleHash);
      const actor: Actor = { id: 'hubspot', roles: ['sales'] };
      try {
        return await startHandoff({ client: Context.current().client, pool, config }, actor, bundle);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        // The deal's handoff finished earlier: HubSpot's event is acknowledged, nothing restarts by itself.
        if (err.status === 409 && typeof err.extra.handoffId === 'string') return { handoffId: err.extra.handoffId, created: false };
        if (err.status === 503) throw ApplicationFailure.retryable(`starting the handoff of ${dealId}: ${err.message}`, 'StartUnavailable');
        throw ApplicationFailure.nonRetryable(`starting the handoff of ${dealId}: ${err.message}`, INVALID_DEAL);
      }
    },
  };
}

export type HubspotActivities = ReturnType<typeof createHubspotActivities>;
