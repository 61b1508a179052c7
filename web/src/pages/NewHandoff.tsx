import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ok, type Schemas } from '../api/client';
import { asMultipart, uploadForm, type PickedFile, type UploadedFile } from '../api/uploads';
import { ErrorNote } from '../components/common';
import { FilePicker, UploadedFiles } from '../components/Files';

type Bundle = Schemas['IntakeBundle'];

/** Sales starts a handoff by uploading the closed deal's bundle (INTAKE.md) as a JSON file. */
export function NewHandoffPage() {
  const [, navigate] = useLocation();
  const [parseError, setParseError] = useState<string>();
  const [bundle, setBundle] = useState<{ name: string; body: Bundle }>();
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [uploaded, setUploaded] = useState<UploadedFile[]>([]);
  const fileId = useId();
  // With files attached the bundle goes as the `bundle` field of a multipart start; the kinds the API
  // answered stay on screen for the uploader to confirm, next to a link to the new handoff.
  const start = useMutation({
    mutationFn: async (body: Bundle) =>
      ok(files.length ? await api.POST('/handoffs', asMultipart(uploadForm('bundle', body, files))) : await api.POST('/handoffs', { body })),
    onSuccess: (created) => {
      if ('files' in created && created.files?.length) setUploaded(created.files);
      else navigate(`/handoff/${created.handoffId}`);
    },
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
        <FilePicker label="Evidence files (optional, one document each)" files={files} onChange={setFiles} />
        <button type="submit" disabled={!bundle || start.isPending || !!start.data}>Start the handoff</button>
        {start.data && uploaded.length ? (
          <div role="status" className="started">
            <p>
              Started <Link href={`/handoff/${start.data.handoffId}`}>{start.data.handoffId}</Link>. Check the kinds of the files:
            </p>
            <UploadedFiles files={uploaded} />
          </div>
        ) : null}
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
