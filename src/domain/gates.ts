import { findContradictions } from './contradictions';
import { CRM_DOCUMENT_ID } from './crm-document';
import { analyzeDocuments, cite, type AnalyzedDocument } from './evidence';
import { contractKinds, handoffTriggers, type IntakeBundle } from './intake';
import type { Citation, GateFailure, GateResult } from './packet';
import { findRedactionMarkers, redactBundle, type BundleRedactionFinding } from './redact';

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

function outOfPolicyGates({ redacted, findings, docs, now }: GateInputs): GateFailure[] {
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
  for (const [documentId, kinds] of secretKindsByDocument(findings, docs)) {
    failures.push({
      code: 'out_of_policy',
      documentId,
      field: documentId === CRM_DOCUMENT_ID ? 'successCriteria/notSold' : 'documents',
      detail: `"${documentId}" contained ${[...kinds].join(', ').replace(/_/g, ' ')}; it was redacted. Rotate the credential and share it through a secure channel, not the deal record.`,
      sources: redactedSentences(docs, documentId),
    });
  }
  return failures;
}

// Secrets found now plus markers of an earlier redaction: evidence stored redacted still counts.
function secretKindsByDocument(findings: BundleRedactionFinding[], docs: AnalyzedDocument[]): Map<string, Set<string>> {
  const kinds = new Map<string, Set<string>>();
  const add = (documentId: string, kind: string): void => {
    kinds.set(documentId, (kinds.get(documentId) ?? new Set()).add(kind));
  };
  for (const f of findings) add(f.documentId, f.kind);
  for (const doc of docs) for (const marker of findRedactionMarkers(doc.doc.text)) add(doc.doc.id, marker.kind);
  return kinds;
}

/** Where the redacted secret was, as verbatim quotes of the redacted text (never the secret). */
function redactedSentences(docs: AnalyzedDocument[], documentId: string): Citation[] {
  const doc = docs.find((d) => d.doc.id === documentId);
  return (doc?.sentences ?? []).filter((s) => s.text.includes('[REDACTED:')).slice(0, 5).map(cite);
}
