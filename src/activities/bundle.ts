import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { ZodError } from 'zod';
import { BundleNotFound, loadBundle } from '../db/bundles';
import type { IntakeBundle } from '../domain/intake';

/**
 * The bundle a workflow refers to. A bundle that is gone or no longer valid (stored before a rule
 * tightened, e.g. a year-0000 kickoff date) fails the same way on every retry: it fails for good, as
 * InvalidHandoffData, and the workflow asks the handoff owner for corrected evidence.
 */
export async function bundleFor(pool: Pool, bundleHash: string): Promise<IntakeBundle> {
  try {
    return await loadBundle(pool, bundleHash);
  } catch (err) {
    if (err instanceof ZodError) {
      const where = err.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'bundle'}: ${i.message}`).join('; ');
      throw ApplicationFailure.nonRetryable(`the evidence bundle is not valid (${where})`, 'InvalidHandoffData');
    }
    if (err instanceof BundleNotFound) throw ApplicationFailure.nonRetryable(err.message, 'InvalidHandoffData');
    throw err;
  }
}
