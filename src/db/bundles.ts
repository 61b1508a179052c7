import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { canonicalJson } from '../domain/canonical-json';
import { documentsWithCrm } from '../domain/crm-document';
import { IntakeBundle, type EvidenceDocument, type Owners } from '../domain/intake';

// Bundles are stored content-addressed: document texts once by sha256, the rest as jsonb with the
// texts replaced by their hashes. The workflow only ever carries the bundle hash.

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

type StoredDocument = Omit<EvidenceDocument, 'text'> & { sha256: string };
type StoredBundle = Omit<IntakeBundle, 'documents'> & { documents: StoredDocument[] };

/**
 * Stores an (already redacted) bundle; idempotent. Returns its hash. Given a client (not in a
 * transaction), it works on that one: a caller that holds a client never waits for a second.
 */
export async function storeBundle(db: Pool | PoolClient, bundle: IntakeBundle): Promise<string> {
  const documents: StoredDocument[] = bundle.documents.map(({ text, ...doc }) => ({ ...doc, sha256: sha256(text) }));
  const body: StoredBundle = { ...bundle, documents };
  const bundleHash = `sha256:${sha256(canonicalJson(body))}`;
  const client = db instanceof Pool ? await db.connect() : db;
  try {
    await client.query('BEGIN');
    for (const doc of bundle.documents) {
      await client.query('INSERT INTO evidence_documents (sha256, text) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sha256(doc.text), doc.text]);
    }
    await client.query('INSERT INTO intake_bundles (bundle_hash, deal_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      bundleHash,
      bundle.dealId,
      body,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    if (client !== db) (client as PoolClient).release();
  }
  return bundleHash;
}

/** Only the owners of a stored bundle, without its document texts ({} for an unknown hash). */
export async function bundleOwners(pool: Pool | PoolClient, bundleHash: string): Promise<Owners> {
  const { rows } = await pool.query<{ owners: Owners | null }>("SELECT body->'owners' AS owners FROM intake_bundles WHERE bundle_hash = $1", [bundleHash]);
  return rows[0]?.owners ?? {};
}

export class BundleNotFound extends Error {}

export async function loadBundle(pool: Pool | PoolClient, bundleHash: string): Promise<IntakeBundle> {
  const { rows } = await pool.query<{ body: StoredBundle }>('SELECT body FROM intake_bundles WHERE bundle_hash = $1', [bundleHash]);
  if (!rows[0]) throw new BundleNotFound(`no bundle ${bundleHash}`);
  const stored = rows[0].body;
  const hashes = stored.documents.map((d) => d.sha256);
  const texts = await pool.query<{ sha256: string; text: string }>('SELECT sha256, text FROM evidence_documents WHERE sha256 = ANY($1)', [hashes]);
  const textByHash = new Map(texts.rows.map((r) => [r.sha256, r.text]));
  const documents = stored.documents.map(({ sha256: hash, ...doc }) => {
    const text = textByHash.get(hash);
    if (text === undefined) throw new BundleNotFound(`document ${doc.id} (${hash}) is missing`);
    return { ...doc, text };
  });
  return IntakeBundle.parse({ ...stored, documents });
}

/**
 * The documents a handoff's bundle holds, as stored (redacted), plus the virtual "crm" document
 * packets cite CRM facts from: what a reader opens to check a citation in context.
 */
export async function loadBundleDocuments(pool: Pool | PoolClient, bundleHash: string): Promise<EvidenceDocument[]> {
  return documentsWithCrm(await loadBundle(pool, bundleHash));
}
