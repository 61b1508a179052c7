import type { Schemas } from './client';

// Evidence as files: the two routes that take multipart/form-data read one JSON field (`bundle` or
// `evidence`) plus one `file` part per file and one `kind` per file ('' = let the API infer it).

export type UploadedFile = Schemas['UploadedFile'];
export type DocumentKind = UploadedFile['kind'];

/** The API's document kinds, in the order a person picks from. */
export const documentKinds: readonly DocumentKind[] = ['agreement', 'sow', 'proposal', 'email', 'call_notes', 'crm_note', 'intake_form', 'other'];

/** What the file input offers; the API still decides the type by content. */
export const acceptedFiles = '.pdf,.docx,.eml,.html,.htm,.md,.markdown,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,message/rfc822,text/html,text/markdown,text/plain';

/** A chosen file and the kind the person gave it (undefined: infer). */
export interface PickedFile {
  file: File;
  kind?: DocumentKind;
}

/** The multipart body: the JSON field, then the files with one kind each, in the same order. */
export function uploadForm(field: 'bundle' | 'evidence', json: unknown, files: PickedFile[]): FormData {
  const form = new FormData();
  form.append(field, JSON.stringify(json));
  for (const { file } of files) form.append('file', file, file.name);
  for (const { kind } of files) form.append('kind', kind ?? '');
  return form;
}

/** openapi-fetch sends a FormData body as it is (the browser sets the boundary); its typed body shape says strings for files, hence the cast. */
export const asMultipart = (form: FormData) => ({ body: form as never, bodySerializer: (body: unknown) => body as FormData });
