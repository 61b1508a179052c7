import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export const formatTime = (iso?: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

export const stageLabel = (stage: string) => stage.replace(/_/g, ' ');

export function StageBadge({ stage }: { stage: string }) {
  return <span className={`badge stage stage-${stage}`}>{stageLabel(stage)}</span>;
}

/** What went wrong, in words; a 409 is told apart (the packet changed under you). */
export function ErrorNote({ error, children }: { error: unknown; children?: ReactNode }) {
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : undefined;
  return (
    <div className="error" role="alert">
      {status === 409 ? <strong>The packet changed since you loaded it. </strong> : null}
      {(error as Error).message}
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading" role="status">Loading {what}…</p>;
}
