import type { IntakeBundle } from './intake';
import { bundleTexts, findRedactionMarkers } from './redact';
import { SecretRotation } from './secret-rotation-schema';

export { SecretRotation };

// A redacted secret was still seen by whoever could read the deal record before it reached us, so
// the out_of_policy gate holds until someone accountable (the handoff owner, ops, an admin) says the
// credential was rotated. The confirmation is part of the bundle (content-addressed, like evidence)
// and names the places it covers: a secret pasted later is a new place and holds the gate again.

/** A place in the bundle that held a secret (now a marker). */
export interface SecretSite {
  /** Stable while the place is unchanged: documents are immutable; other fields carry their value. */
  key: string;
  documentId?: string;
  field: string;
  kinds: string[];
}

/** Every place of the (redacted) bundle holding a redaction marker, one entry per document or field. */
export function secretSites(bundle: IntakeBundle): SecretSite[] {
  const sites = new Map<string, SecretSite>();
  const crmMarkers: string[] = [];
  for (const entry of bundleTexts(bundle)) {
    const kinds = findRedactionMarkers(entry.text).map((m) => m.kind);
    if (!kinds.length) continue;
    if (entry.documentId === 'crm') crmMarkers.push(entry.text);
    // Documents never change once added, so their id is their key; a field's key carries its
    // (redacted, hence secret-free) value, so a new secret typed into the same field is a new site.
    const key = entry.documentId && entry.documentId !== 'crm' ? `document:${entry.documentId}` : entry.documentId === 'crm' ? 'crm' : `field:${entry.field}=${entry.text.slice(0, 400)}`;
    const site = sites.get(key) ?? { key, ...(entry.documentId ? { documentId: entry.documentId } : {}), field: entry.field, kinds: [] };
    for (const kind of kinds) if (!site.kinds.includes(kind)) site.kinds.push(kind);
    sites.set(key, site);
  }
  const crm = sites.get('crm');
  if (crm) {
    // Success criteria and not-sold lines are fixed at intake; their marker count tells them apart anyway.
    sites.delete('crm');
    const key = `crm:${crmMarkers.reduce((n, text) => n + findRedactionMarkers(text).length, 0)}`;
    sites.set(key, { ...crm, key });
  }
  return [...sites.values()];
}

/** Sites not covered by any rotation confirmation yet. */
export function unrotatedSecretSites(bundle: IntakeBundle): SecretSite[] {
  const covered = new Set((bundle.secretRotations ?? []).flatMap((r) => r.sites));
  return secretSites(bundle).filter((site) => !covered.has(site.key));
}

/** The bundle with one more confirmation covering every site it holds now. */
export function withRotationConfirmed(bundle: IntakeBundle, by: string, at: string, requestId?: string): IntakeBundle {
  const rotation: SecretRotation = { by, at, ...(requestId ? { requestId } : {}), sites: unrotatedSecretSites(bundle).map((s) => s.key) };
  return { ...bundle, secretRotations: [...(bundle.secretRotations ?? []), rotation] };
}
