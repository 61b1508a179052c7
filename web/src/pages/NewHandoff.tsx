import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useLocation } from 'wouter';
import { api, ok, type Schemas } from '../api/client';
import { ErrorNote } from '../components/common';

type Bundle = Schemas['IntakeBundle'];

/** Sales starts a handoff by uploading the closed deal's bundle (INTAKE.md) as a JSON file. */
export function NewHandoffPage() {
  const [, navigate] = useLocation();
  const [parseError, setParseError] = useState<string>();
  const [bundle, setBundle] = useState<{ name: string; body: Bundle }>();
  const fileId = useId();
  const start = useMutation({
    mutationFn: async (body: Bundle) => ok(await api.POST('/handoffs', { body })),
    onSuccess: (created) => navigate(`/handoff/${created.handoffId}`),
  });
  return (
    <>
      <h1>New handoff</h1>
      <p>Upload the closed deal&apos;s bundle: a JSON file with the deal, its owners and its documents (see INTAKE.md). Secrets in it are redacted before anything is stored.</p>
      <form
        className="action"
        onSubmit={(e) => {
          e.preventDefault();
          if (bundle) start.mutate(bundle.body);
        }}
      >
        <div className="field">
          <label htmlFor={fileId}>Bundle file (JSON)</label>
          <input
            id={fileId}
            type="file"
            accept="application/json,.json"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              setParseError(undefined);
              setBundle(undefined);
              if (!file) return;
              try {
                setBundle({ name: file.name, body: JSON.parse(await file.text()) as Bundle });
              } catch (err) {
                setParseError(`${file.name} is not JSON: ${(err as Error).message}`);
              }
            }}
          />
        </div>
        {parseError ? <p className="error" role="alert">{parseError}</p> : null}
        {bundle ? (
          <p role="status">
            {bundle.name}: deal <strong>{bundle.body.dealId}</strong>, {bundle.body.customer?.name}, {bundle.body.documents?.length ?? 0} documents.
          </p>
        ) : null}
        <button type="submit" disabled={!bundle || start.isPending}>Start the handoff</button>
        <ErrorNote error={start.error}>
          {start.error && 'problem' in start.error && (start.error as { problem?: { errors?: Array<{ path: string; message: string }> } }).problem?.errors ? (
            <ul>
              {(start.error as { problem: { errors: Array<{ path: string; message: string }> } }).problem.errors.map((e, i) => (
                <li key={i}><code>{e.path}</code>: {e.message}</li>
              ))}
            </ul>
          ) : null}
        </ErrorNote>
      </form>
    </>
  );
}
