import type { IntakeBundle } from './intake';

// Secrets pasted into evidence are replaced by a marker before anything is stored, drafted or
// shown. Pure (no node: imports): workflow code imports this module.

export interface RedactionFinding {
  kind: string;
}
export interface BundleRedactionFinding extends RedactionFinding {
  documentId: string;
}

interface SecretRule {
  kind: string;
  pattern: RegExp;
  /** The capture group holding the secret; 0 (the whole match) when absent. */
  group?: number;
  /** Extra check on the candidate secret, to keep prose like "the password is stored" intact. */
  accept?: (secret: string) => boolean;
}

export const redactionMarker = (kind: string): string => `[REDACTED:${kind}]`;
const MARKER = /\[REDACTED:([a-z_]+)\]/g;

const PLACEHOLDERS = /^(none|n\/a|na|null|tbd|tba|unknown|redacted|required|optional|hidden|\*+|x+|\.+|<[^>]*>)$/i;
const looksLikeSecret = (value: string): boolean =>
  value.length >= 6 && (/\d/.test(value) || /[^A-Za-z]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value)));
const notPlaceholder = (value: string): boolean => value.length >= 3 && !PLACEHOLDERS.test(value) && !value.startsWith('[REDACTED');

const KEY_NAMES: Array<[kind: string, names: string]> = [
  ['password', 'passwords?|passwd|pwd|passcode|passphrase|pass ?word'],
  ['api_key', 'api[ _-]?keys?|apikey|x-api-key|app[ _-]?key|license[ _-]?key'],
  ['client_secret', 'client[ _-]?secret|secret[ _-]?key|secret|shared[ _-]?secret'],
  ['access_token', '(?:access|auth|refresh|session|bot|personal access|api)[ _-]?tokens?|token'],
  ['private_key', 'private[ _-]?key'],
];

const SECRET_RULES: SecretRule[] = [
  { kind: 'private_key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
  { kind: 'connection_string_password', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi, group: 1, accept: notPlaceholder },
  { kind: 'bearer_token', pattern: /\bBearer\s+([A-Za-z0-9\-._~+/]{8,}=*)/g, group: 1 },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'aws_secret_key', pattern: /\baws_secret_access_key\s*[:=]\s*["']?([A-Za-z0-9/+=]{20,})/gi, group: 1 },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g },
  { kind: 'slack_token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'api_key', pattern: /\b(?:sk|pk|rk)[-_](?:live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{16,}/g },
  { kind: 'api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  // "password: xyz", "api_key=xyz", "token => xyz": anything after an explicit separator.
  ...KEY_NAMES.map(([kind, names]): SecretRule => ({
    kind,
    pattern: new RegExp(`\\b(?:${names})\\b["']?\\s*(?:[:=]|=>|->)\\s*["']?([^\\s"',;]+)`, 'gi'),
    group: 1,
    accept: notPlaceholder,
  })),
  // "the password is Winter2026!": only when the value looks like a secret.
  ...KEY_NAMES.map(([kind, names]): SecretRule => ({
    kind,
    pattern: new RegExp(`\\b(?:${names})\\s+(?:is|was|will be|=)\\s+["']?([^\\s"',;]+?)["']?(?=[\\s,;]|\\.(?:\\s|$)|$)`, 'gi'),
    group: 1,
    accept: (v) => notPlaceholder(v) && looksLikeSecret(v),
  })),
];

/** Replaces every secret in `text` with `[REDACTED:<kind>]`; findings never carry the secret. */
export function redactSecrets(text: string): { text: string; findings: RedactionFinding[] } {
  const findings: RedactionFinding[] = [];
  let out = text;
  for (const rule of SECRET_RULES) {
    out = out.replace(rule.pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const secret = (rule.group ? (args[rule.group] as string | undefined) : match) ?? '';
      if (!secret || secret.includes('[REDACTED') || (rule.accept && !rule.accept(secret))) return match;
      findings.push({ kind: rule.kind });
      const at = match.lastIndexOf(secret);
      return match.slice(0, at) + redactionMarker(rule.kind) + match.slice(at + secret.length);
    });
  }
  return { text: out, findings };
}

/** Markers left by an earlier redaction (evidence stored already redacted still counts as a finding). */
export function findRedactionMarkers(text: string): RedactionFinding[] {
  return [...text.matchAll(MARKER)].map((m) => ({ kind: m[1] }));
}

/** Redacts every free text of a bundle: document texts and titles, success criteria, not-sold lines. */
export function redactBundle(bundle: IntakeBundle): { bundle: IntakeBundle; findings: BundleRedactionFinding[] } {
  const findings: BundleRedactionFinding[] = [];
  const redact = (documentId: string, text: string): string => {
    const result = redactSecrets(text);
    for (const f of result.findings) findings.push({ documentId, kind: f.kind });
    return result.text;
  };
  const documents = bundle.documents.map((doc) => ({
    ...doc,
    ...(doc.title === undefined ? {} : { title: redact(doc.id, doc.title) }),
    text: redact(doc.id, doc.text),
  }));
  const redacted: IntakeBundle = { ...bundle, documents };
  // Structured lines are rendered into the virtual "crm" document, so their findings are filed there.
  if (bundle.successCriteria) redacted.successCriteria = bundle.successCriteria.map((s) => redact('crm', s));
  if (bundle.notSold) redacted.notSold = bundle.notSold.map((s) => redact('crm', s));
  return { bundle: redacted, findings };
}
