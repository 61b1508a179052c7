import { findContradictions } from './contradictions';
import { CRM_DOCUMENT_ID } from './crm-document';
import { analyzeDocuments, cite, type AnalyzedDocument } from './evidence';
import { contractKinds, handoffTriggers, type IntakeBundle } from './intake';
import type { Citation, GateFailure, GateResult } from './packet';
import { redactBundle, type BundleRedactionFinding } from './redact';
import { unrotatedSecretSites } from './secret-rotation';

// The intake gates of INTAKE.md: a pure function of (bundle, now). A failure does not reject the
// handoff; it becomes a blocking question for the handoff owner and the gates run again later.

export interface GatePolicy {
  /** A document captured more than this many days before close is stale evidence. */
  staleAfterDays: number;
}
export const defaultGatePolicy: GatePolicy = { staleAfterDays: 30 };

const DAY_MS = 86_400_000;

export function checkGates(bundle: IntakeBundle, now: Date, policy: GatePolicy = defaultGatePolicy): GateResult {
  const { bundle: redacted, findings } = redactBundle(bundle);
  return gatesOnRedacted({ raw: bundle, redacted, findings, docs: analyzeDocuments(redacted), now, policy });
}

export interface GateInputs {
  raw: IntakeBundle;
  redacted: IntakeBundle;
  findings: BundleRedactionFinding[];
  docs: AnalyzedDocument[];
  now: Date;
  policy: GatePolicy;
}

/** The gates over a bundle already redacted and analysed (the drafter shares that work). */
export function gatesOnRedacted(inputs: GateInputs): GateResult {
  const { redacted, docs } = inputs;
  const failures: GateFailure[] = [
    ...triggerGate(redacted.trigger),
    ...ownerGates(redacted),
    ...deadlineAndRecordGates(redacted),
    ...scopeEvidenceGate(redacted),
    ...findContradictions(docs, redacted),
    ...staleEvidenceGate(redacted, inputs.now, inputs.policy),
    ...outOfPolicyGates(inputs),
  ];
  return { passed: failures.length === 0, failures };
}

/** The trigger gate on raw input, for callers that hold an unparsed body (the API, the CLI). */
export function checkTrigger(input: unknown): GateFailure | null {
  const trigger = (input as { trigger?: unknown } | null)?.trigger;
  return triggerGate(trigger)[0] ?? null;
}

function triggerGate(trigger: unknown): GateFailure[] {
  if (typeof trigger === 'string' && (handoffTriggers as readonly string[]).includes(trigger)) return [];
  return [{
    code: 'trigger_not_handoff',
    field: 'trigger',
    detail: `The trigger ${JSON.stringify(trigger ?? null)} is not a handoff trigger (expected one of ${handoffTriggers.join(', ')}).`,
    sources: [],
  }];
}

function ownerGates(bundle: IntakeBundle): GateFailure[] {
  const failures: GateFailure[] = [];
  if (!bundle.owners.handoffOwner) {
    failures.push({ code: 'missing_handoff_owner', field: 'owners.handoffOwner', detail: 'Nobody owns this handoff: name a handoff owner.', sources: [] });
  }
  if (!bundle.owners.implementation) {
    failures.push({ code: 'missing_implementation_owner', field: 'owners.implementation', detail: 'No implementation owner is named: someone must accept the delivery.', sources: [] });
  }
  return failures;
}

function deadlineAndRecordGates(bundle: IntakeBundle): GateFailure[] {
  const failures: GateFailure[] = [];
  if (!bundle.kickoffTarget) {
    failures.push({ code: 'missing_deadline', field: 'kickoffTarget', detail: 'No kickoff target date: the delivery team has no deadline to plan to.', sources: [] });
  }
  if (!bundle.systemOfRecord) {
    failures.push({ code: 'missing_system_of_record', field: 'systemOfRecord', detail: 'No system-of-record reference (CRM and record id) to file the handoff against.', sources: [] });
  }
  return failures;
}

function scopeEvidenceGate(bundle: IntakeBundle): GateFailure[] {
  if (bundle.documents.some((d) => contractKinds.includes(d.kind))) return [];
  return [{
    code: 'missing_scope_evidence',
    field: 'documents',
    detail: 'No agreement, SOW or proposal is attached, so what was sold cannot be verified.',
    sources: [],
  }];
}

function staleEvidenceGate(bundle: IntakeBundle, now: Date, policy: GatePolicy): GateFailure[] {
  const reference = bundle.closedAt ? Date.parse(bundle.closedAt) : now.getTime();
  const limit = reference - policy.staleAfterDays * DAY_MS;
  return bundle.documents
    .filter((doc) => Date.parse(doc.capturedAt) < limit)
    .map((doc) => ({
      code: 'stale_evidence' as const,
      documentId: doc.id,
      field: 'documents',
      detail: `"${doc.id}" was captured ${Math.floor((reference - Date.parse(doc.capturedAt)) / DAY_MS)} days before ${bundle.closedAt ? 'the close' : 'today'} (limit ${policy.staleAfterDays}): confirm it still holds.`,
      sources: [],
    }));
}

function outOfPolicyGates({ redacted, docs, now }: GateInputs): GateFailure[] {
  const failures: GateFailure[] = [];
  const closeDay = (redacted.closedAt ?? now.toISOString()).slice(0, 10);
  if (redacted.kickoffTarget && redacted.kickoffTarget < closeDay) {
    failures.push({
      code: 'out_of_policy',
      field: 'kickoffTarget',
      detail: `The kickoff target ${redacted.kickoffTarget} is before the ${redacted.closedAt ? 'close date' : 'current date'} ${closeDay}.`,
      sources: [],
    });
  }
  // Every place that held a secret (found now, or a marker of an earlier redaction: evidence is
  // stored redacted) until the handoff owner, ops or an admin confirms the credential was rotated.
  for (const site of unrotatedSecretSites(redacted)) {
    const where = site.documentId ? `"${site.documentId}"` : `The field ${site.field}`;
    failures.push({
      code: 'out_of_policy',
      ...(site.documentId ? { documentId: site.documentId } : {}),
      field: site.field,
      detail: `${where} contained ${site.kinds.join(', ').replace(/_/g, ' ')}; it was redacted. Rotate the credential, share it through a secure channel rather than the deal record, then confirm the rotation (POST /handoffs/{id}/secrets/rotated).`,
      sources: site.documentId ? redactedSentences(docs, site.documentId) : [],
    });
  }
  return failures;
}

/** Where the redacted secret was, as verbatim quotes of the redacted text (never the secret). */
function redactedSentences(docs: AnalyzedDocument[], documentId: string): Citation[] {
  const doc = docs.find((d) => d.doc.id === documentId);
  return (doc?.sentences ?? []).filter((s) => s.text.includes('[REDACTED:')).slice(0, 5).map(cite);
}
