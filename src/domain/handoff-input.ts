import { z } from 'zod';
import { Person } from './intake';

/**
 * The workflow's input: references into Postgres, never the documents themselves. The schema lives
 * here, not in workflows/definitions, so the workflow bundle (which needs only the type) holds no zod.
 */
export const HandoffInput = z.object({
  handoffId: z.string(),
  dealId: z.string(),
  customerName: z.string(),
  bundleHash: z.string(),
  kickoffTarget: z.string().optional(),
  systemOfRecord: z.object({ system: z.string(), recordId: z.string() }).optional(),
  /** Review SLAs in seconds (hours in production, seconds in tests), fixed at start. */
  sla: z.object({ reminderAfterS: z.number().positive(), escalateAfterS: z.number().positive(), repeatEveryS: z.number().positive() }),
  owners: z.object({
    handoffOwner: Person.nullish(),
    sales: Person.nullish(),
    implementation: Person.nullish(),
    escalation: Person.nullish(),
  }),
});
export type HandoffInput = z.infer<typeof HandoffInput>;
