import { z } from 'zod';
import { SecretRotation } from './secret-rotation-schema';

// The intake bundle of INTAKE.md. Fields a gate checks are optional here: their absence is a
// gate failure reported in the packet, not a schema error.

export const handoffTriggers = ['deal_closed', 'project_accepted', 'pre_kickoff_planning'] as const;
export const HandoffTrigger = z.enum(handoffTriggers);

export const documentKinds = [
  'agreement', 'sow', 'proposal', 'call_notes', 'email', 'crm_note', 'intake_form', 'other',
] as const;
export const DocumentKind = z.enum(documentKinds);
export type DocumentKind = z.infer<typeof DocumentKind>;

/** Kinds whose text is contractual: only these can back a contract fact or a sold-scope item. */
export const contractKinds: readonly DocumentKind[] = ['agreement', 'sow', 'proposal'];

/**
 * Dates a handoff holds are business dates of a deal closed today: its close, its evidence and its
 * kickoff fall in the years 2000–2199. Anything else is a typo ("0000-01-01", a year 9999 meant as
 * "unknown") that Postgres refuses (year 0) or that schedules milestones and timers centuries away;
 * the narrow range also stays far inside what Postgres, JS Date and Temporal timestamps accept.
 */
const BUSINESS_YEAR = /^2[01]\d\d-/;
const businessYear = 'a date in the years 2000 to 2199';
export const BusinessDate = z.iso.date().regex(BUSINESS_YEAR, businessYear).describe('YYYY-MM-DD, years 2000-2199');
export const BusinessDateTime = z.iso
  .datetime({ offset: true })
  .regex(BUSINESS_YEAR, businessYear)
  .describe('ISO 8601 date-time with offset, years 2000-2199');

const id = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only');

export const Person = z.object({
  id,
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
});
export type Person = z.infer<typeof Person>;

export const Owners = z.object({
  handoffOwner: Person.nullish(),
  sales: Person.nullish(),
  implementation: Person.nullish(),
  /** Who hears about reviews that go stale; defaults to the handoff owner. */
  escalation: Person.nullish(),
});
export type Owners = z.infer<typeof Owners>;

export const Stakeholder = z.object({
  name: z.string().trim().min(1).max(200),
  title: z.string().max(200).optional(),
  side: z.enum(['buyer', 'vendor', 'partner']),
  role: z.string().trim().min(1).max(100),
});
export type Stakeholder = z.infer<typeof Stakeholder>;

export const EvidenceDocument = z.object({
  id,
  kind: DocumentKind,
  title: z.string().max(300).optional(),
  capturedAt: BusinessDateTime,
  text: z.string().min(1).max(200_000),
});
export type EvidenceDocument = z.infer<typeof EvidenceDocument>;

export const CrmFacts = z.object({
  amount: z.number().nonnegative().max(1e12).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD').optional(),
  products: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
  termMonths: z.number().int().positive().max(240).optional(),
});
export type CrmFacts = z.infer<typeof CrmFacts>;

export const IntakeBundle = z
  .object({
    dealId: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (max 64)'),
    trigger: HandoffTrigger,
    customer: z.object({ name: z.string().trim().min(1).max(200), segment: z.string().max(100).optional() }),
    closedAt: BusinessDateTime.optional(),
    kickoffTarget: BusinessDate.optional(),
    systemOfRecord: z.object({ system: z.string().trim().min(1).max(100), recordId: z.string().trim().min(1).max(200) }).optional(),
    owners: Owners.default({}),
    stakeholders: z.array(Stakeholder).max(100).default([]),
    crm: CrmFacts.optional(),
    documents: z.array(EvidenceDocument).max(50),
    successCriteria: z.array(z.string().trim().min(1).max(1000)).max(50).optional(),
    notSold: z.array(z.string().trim().min(1).max(1000)).max(50).optional(),
    /** Confirmed rotations of redacted credentials: written by POST /handoffs/{id}/secrets/rotated only; refused at start. */
    secretRotations: z.array(SecretRotation).max(100).optional(),
  })
  .superRefine((bundle, ctx) => {
    const seen = new Set<string>();
    bundle.documents.forEach((doc, i) => {
      if (seen.has(doc.id)) ctx.addIssue({ code: 'custom', path: ['documents', i, 'id'], message: `duplicate document id "${doc.id}"` });
      // "crm" names the virtual document rendered from the deal record (see crm-document.ts).
      if (doc.id === 'crm') ctx.addIssue({ code: 'custom', path: ['documents', i, 'id'], message: 'document id "crm" is reserved for the CRM deal record' });
      seen.add(doc.id);
    });
  });
/** A parsed bundle (defaults applied). */
export type IntakeBundle = z.infer<typeof IntakeBundle>;
/** What a client sends (defaults not yet applied). */
export type IntakeBundleInput = z.input<typeof IntakeBundle>;

/** The workflow id of a deal's handoff: one live handoff per deal. */
export const handoffIdFor = (dealId: string): string => `handoff-${dealId}`;

/**
 * The workflow id of a deal's n-th handoff. A restart never reuses an earlier run's id: packets,
 * audit rows and the projection are keyed by it. "~" is not a deal id character, so no deal's
 * first handoff can be mistaken for another deal's restart.
 */
export const handoffIdForRun = (dealId: string, run: number): string => (run <= 1 ? handoffIdFor(dealId) : `${handoffIdFor(dealId)}~${run}`);
