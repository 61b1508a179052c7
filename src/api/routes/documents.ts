import { z } from 'zod';
import { loadBundleDocuments } from '../../db/bundles';
import { requireViewer, viewers } from '../access';
import { notFound } from '../problem';
import { defineRoute } from '../route-table';
import { HandoffParams } from '../schemas';

// The evidence a packet cites, for people checking a citation in context: the handoff's current
// bundle documents as stored (already redacted at intake), plus the virtual "crm" record.

const DocumentMeta = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string().optional(),
  capturedAt: z.string(),
  length: z.number().int().describe('characters of text'),
});
export const DocumentList = z
  .object({ handoffId: z.string(), documents: z.array(DocumentMeta) })
  .meta({ id: 'DocumentList', description: 'The documents of the handoff\'s current bundle, without their text' });
export const SourceDocument = z
  .object({ id: z.string(), kind: z.string(), title: z.string().optional(), capturedAt: z.string(), text: z.string() })
  .meta({ id: 'SourceDocument', description: 'One bundle document with its stored (redacted) text' });

const DocumentParams = HandoffParams.extend({
  documentId: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'a document id of the bundle'),
});

export const listDocuments = defineRoute({
  method: 'get',
  path: '/handoffs/:id/documents',
  operationId: 'listDocuments',
  summary: 'The documents of the handoff\'s bundle (ids, kinds, titles), which packet citations point into',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: HandoffParams,
  authorize: requireViewer(),
  responses: { 200: { description: 'The documents', schema: DocumentList } },
  errors: [404],
  async handler({ deps, params, loaded, res }) {
    const documents = await loadBundleDocuments(deps.pool, loaded.bundleHash);
    res.json({
      handoffId: params.id,
      documents: documents.map(({ text, ...doc }) => ({ ...doc, length: text.length })),
    });
  },
});

export const getDocument = defineRoute({
  method: 'get',
  path: '/handoffs/:id/documents/:documentId',
  operationId: 'getDocument',
  summary: 'One bundle document with its stored (redacted) text, to read a cited quote in context',
  tag: 'handoffs',
  auth: 'any',
  who: `${viewers.describe} (others: 404)`,
  params: DocumentParams,
  authorize: requireViewer(),
  responses: { 200: { description: 'The document', schema: SourceDocument } },
  errors: [404],
  async handler({ deps, params, loaded, res }) {
    const documents = await loadBundleDocuments(deps.pool, loaded.bundleHash);
    const found = documents.find((d) => d.id === params.documentId);
    if (!found) throw notFound(`handoff ${params.id} has no document ${params.documentId}`);
    res.json(SourceDocument.parse(found));
  },
});
