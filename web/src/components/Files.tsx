import { useId } from 'react';
import { acceptedFiles, documentKinds, type DocumentKind, type PickedFile, type UploadedFile } from '../api/uploads';

// Evidence as files in the forms: pick files, give each a kind or leave it for the API to infer;
// after the upload, each file's kind as the API answered it, inferred ones marked to confirm.

const kindLabel = (kind: string) => kind.replace(/_/g, ' ');

/** A multiple file input and, per chosen file, a kind select ("infer from the file" by default). */
export function FilePicker({ label, files, onChange }: { label: string; files: PickedFile[]; onChange: (files: PickedFile[]) => void }) {
  const inputId = useId();
  return (
    <div className="field files">
      <label htmlFor={inputId}>{label}</label>
      <input id={inputId} type="file" multiple accept={acceptedFiles} onChange={(e) => onChange(Array.from(e.target.files ?? [], (file) => ({ file })))} />
      <span className="muted">PDF, DOCX, EML, HTML, Markdown or text; the content decides the type.</span>
      {files.length ? (
        <ul className="picked">
          {files.map((picked, i) => (
            <li key={`${i}-${picked.file.name}`}>
              <label htmlFor={`${inputId}-kind-${i}`}>Kind of {picked.file.name}</label>
              <select
                id={`${inputId}-kind-${i}`}
                value={picked.kind ?? ''}
                onChange={(e) => onChange(files.map((f, j) => (j === i ? { file: f.file, kind: (e.target.value || undefined) as DocumentKind | undefined } : f)))}
              >
                <option value="">infer from the file</option>
                {documentKinds.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
              </select>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The API's answer per file: the document it became, its kind, and whether that kind was inferred. */
export function UploadedFiles({ files }: { files: UploadedFile[] }) {
  if (!files.length) return null;
  return (
    <ul className="uploaded" aria-label="Uploaded files" data-testid="uploaded-files">
      {files.map((f) => (
        <li key={f.documentId}>
          <strong>{f.filename ?? f.documentId}</strong> → <code>{f.documentIds ? f.documentIds.join(', ') : f.documentId}</code>{' '}
          <span className="badge">{kindLabel(f.kind)}</span>
          {f.kindInferred ? (
            <span className="badge confirm" title={f.kindReason}>inferred — confirm</span>
          ) : null}
          {f.pages !== undefined ? <span className="muted"> {f.pages} {f.pages === 1 ? 'page' : 'pages'}</span> : null}
          {f.kindInferred && f.kindReason ? <span className="muted"> ({f.kindReason})</span> : null}
          {f.note ? <span className="muted"> · {f.note}</span> : null}
        </li>
      ))}
    </ul>
  );
}
