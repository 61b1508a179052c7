import { z } from 'zod';

// The record of a confirmed credential rotation, kept in the bundle (see secret-rotation.ts). Its
// own module, with zod only, because intake.ts (imported by the workflow) names it.

/** One confirmation that the credentials redacted so far were rotated. Written only by the API. */
export const SecretRotation = z.object({
  by: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }),
  /** The request that recorded it: a retry of the same request finds it and does not ask again. */
  requestId: z.string().min(1).max(300).optional(),
  /** The places (secretSites keys) whose redacted credentials this confirmation covers. */
  sites: z.array(z.string().min(1).max(600)).max(2000),
});
export type SecretRotation = z.infer<typeof SecretRotation>;
