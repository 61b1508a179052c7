import { refuse, type FileFormat } from './types';

// The format is decided by the bytes: file-type's magic numbers for PDF and DOCX, and text sniffing
// for EML, HTML, Markdown and plain text, which have none. The declared type only has to agree.

const ACCEPTED = 'send PDF, DOCX, EML, HTML, Markdown or plain text (UTF-8)';

/** Declared media types and the format they name; generic ones (octet-stream) declare nothing. */
const declaredFormats: Record<string, FileFormat> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'message/rfc822': 'eml',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
};
const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);
const textual = (format: FileFormat | undefined) => format === 'eml' || format === 'html' || format === 'markdown' || format === 'text';

/** The declared media type without parameters, lowercased; undefined when it says nothing. */
export function declaredMediaType(declared: string | undefined): string | undefined {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  return GENERIC.has(type) ? undefined : type;
}

/** Header lines at the very start, ending with a blank line, naming a sender: an RFC 5322 message. */
function looksLikeEmail(text: string): boolean {
  const head = text.slice(0, 16_384).split(/\r?\n\r?\n/, 1)[0];
  const names = [...head.matchAll(/^([A-Za-z][A-Za-z0-9-]*):/gm)].map((m) => m[1].toLowerCase());
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(head) || names.length < 2) return false;
  return names.includes('from') && names.some((n) => ['date', 'subject', 'to', 'message-id', 'received', 'mime-version'].includes(n));
}

const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b/i;
const MARKDOWN = [/^#{1,6}\s+\S/m, /^\s*[-*+]\s+\S/m, /\[[^\]\n]+\]\([^)\s]+\)/, /\*\*[^*\n]+\*\*/, /^```/m];

/** UTF-8 text or undefined when the bytes are binary (NUL bytes). A BOM is dropped. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 65_536).includes(0)) return undefined;
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}

export async function detectFormat(bytes: Uint8Array, declared: string | undefined): Promise<FileFormat> {
  if (bytes.length === 0) refuse(400, 'empty_file', 'the file is empty; attach the document itself');
  const declaredType = declaredMediaType(declared);
  const declaredFormat = declaredType ? declaredFormats[declaredType] : undefined;
  // file-type is ESM-only: loaded natively (this runs in a worker thread, outside jest's module system).
  const { fileTypeFromBuffer } = await import('file-type');
  const magic = await fileTypeFromBuffer(bytes);
  let detected: FileFormat;
  if (magic) {
    if (magic.ext === 'pdf') detected = 'pdf';
    else if (magic.ext === 'docx') detected = 'docx';
    else return refuse(415, 'unsupported_type', `the file is ${magic.mime} (by its content); ${ACCEPTED}`);
  } else {
    const text = decodeText(bytes);
    if (text === undefined) return refuse(415, 'unsupported_type', `the file's content is binary and of no type this API reads; ${ACCEPTED}`);
    if (looksLikeEmail(text)) detected = 'eml';
    else if (HTML_START.test(text)) detected = 'html';
    else if (MARKDOWN.filter((re) => re.test(text)).length >= 2) detected = 'markdown';
    else detected = 'text';
  }
  if (!declaredType) return detected;
  if (textual(detected) && textual(declaredFormat)) {
    // Sniffing text is a guess; a client that says which text format it is, is believed.
    return declaredFormat === 'text' ? detected : declaredFormat!;
  }
  if (declaredFormat !== detected) {
    const what = detected === 'pdf' || detected === 'docx' ? detected.toUpperCase() : 'text';
    return refuse(415, 'type_mismatch', `the file was declared as ${declaredType} but its content is ${what}; declare the right type (or application/octet-stream) or send the file meant`);
  }
  return detected;
}
