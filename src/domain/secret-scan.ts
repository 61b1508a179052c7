import { RE2JS } from 're2js';
import gitleaks from './secret-rules-gitleaks.json';

// Finds credentials in text typed or pasted by people. Two rule sets run over one normalised view
// of the text:
//  - gitleaks' maintained rule set (ported as data: secret-rules-gitleaks.json), which knows the
//    shapes of ~220 providers' keys, with its keyword prefilter, entropy floors and allowlists;
//  - our own rules for the prose people write in deal notes ("pwd - X", "pass: X", "client secret X",
//    a URL or user:pass@host with a password, a PGP key block, webhook URLs and secrets).
// gitleaks' patterns (RE2 syntax, not vetted by us) run on re2js, a port of RE2: matching is linear
// in the text. Our own patterns run on V8's RegExp and are written so that they cannot backtrack
// far (no nested quantifiers, every repetition bounded). Either way no input can hold the API's
// event loop for minutes. Pure JS, no node: imports (the workflow does not import it anyway).

/** Where a secret is, in UTF-16 offsets of the original text, and what kind it is. */
export interface SecretSpan {
  start: number;
  end: number;
  kind: string;
}

// ---- the normalised view ----

// Invisible characters that split a word for a regex but not for a reader: zero-width space/joiners,
// word joiner, BOM, soft hyphen, Mongolian vowel separator, invisible operators and bidi controls.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
const PLAIN = /^[\x20-\x7e\t\n\r]*$/;

/** The text as rules see it (NFKC, invisibles removed) and where each of its characters came from. */
interface View {
  text: string;
  /** For view index i: the original offsets [from[i], to[i]) it came from; absent when identical. */
  from?: number[];
  to?: number[];
}

function normalisedView(text: string): View {
  if (PLAIN.test(text)) return { text };
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  // Per code point, so every view character maps back to the original it came from: fullwidth
  // "ｐａｓｓｗｏｒｄ", mathematical letters and ligatures become plain letters, invisibles vanish.
  for (const ch of text) {
    const end = at + ch.length;
    if (!INVISIBLE.test(ch)) {
      const norm = ch.normalize('NFKC');
      for (let i = 0; i < norm.length; i++) {
        from.push(at);
        to.push(end);
      }
      out += norm;
    }
    at = end;
  }
  return { text: out, from, to };
}

const toOriginal = (view: View, start: number, end: number): [number, number] =>
  view.from && view.to ? [view.from[start], view.to[end - 1]] : [start, end];

// ---- rules ----

interface Candidate {
  start: number;
  end: number;
  kind: string;
  /** Lower wins when two rules find the same secret: our named kinds read better than generic ones. */
  rank: number;
}

interface Allowlist {
  condition?: 'AND';
  regexTarget?: 'match' | 'line';
  regexes?: RE2JS[];
  stopwords?: string[];
}

interface CompiledRule {
  kind: string;
  rank: number;
  pattern: RE2JS | RegExp;
  /** Lower-case words one of which must occur for the rule to run at all (gitleaks' prefilter). */
  keywords: string[];
  secretGroup?: number;
  /** Shannon entropy (bits per character) the secret must exceed. */
  entropy?: number;
  allowlists: Allowlist[];
  /** Extra check on the secret, e.g. to keep prose like "the password is stored" intact. */
  accept?: (secret: string) => boolean;
  /** Matches can run far from the keyword (a key block): scan the whole text, not windows. */
  unbounded?: boolean;
  /** gitleaks' "keyword, then an assignment" template: only keywords followed by =, :, >, |, ?, or , count. */
  assignment?: boolean;
}

interface GitleaksAllowlist {
  condition?: string;
  regexTarget?: string;
  regexes?: string[];
  stopwords?: string[];
}
const compileAllowlist = (list: GitleaksAllowlist): Allowlist => ({
  ...(list.condition === 'AND' ? { condition: 'AND' as const } : {}),
  ...(list.regexTarget === 'match' || list.regexTarget === 'line' ? { regexTarget: list.regexTarget } : {}),
  ...(list.regexes ? { regexes: list.regexes.map((r) => RE2JS.compile(r)) } : {}),
  ...(list.stopwords ? { stopwords: list.stopwords } : {}),
});

const PLACEHOLDERS = /^(none|n\/a|na|null|nil|tbd|tba|unknown|redacted|required|optional|hidden|same|below|above|\*+|x+|\.+|<[^>]*>)$/i;
const notPlaceholder = (value: string): boolean => value.length >= 3 && !PLACEHOLDERS.test(value);
/** Looks like a password rather than a word: mixed character classes, not too short. */
const looksLikeSecret = (value: string): boolean =>
  value.length >= 6 && (/\d/.test(value) || /[^A-Za-z]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value)));
/** Stricter, for a value that follows a key word with no separator ("password Winter2026!"). */
const looksLikeBareSecret = (value: string): boolean =>
  notPlaceholder(value) && value.length >= 6 && /[A-Za-z]/.test(value) && (/\d/.test(value) || (/[^A-Za-z0-9]/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value)));
const notAPort = (value: string): boolean => notPlaceholder(value) && !/^\d{1,5}(?:\/|$)/.test(value);
const mixedClasses = (value: string): boolean => /[/+]/.test(value) || (/\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value));

// Key words people put in front of a credential, with the words the prefilter looks for. `strict`
// names are ordinary words too ("pass: the ball"): only a value that looks like a secret counts.
interface KeyNames {
  kind: string;
  names: string;
  keywords: string[];
  strict?: boolean;
}
const KEY_NAMES: KeyNames[] = [
  { kind: 'password', names: 'passwords?|passwd|pwd|passcode|passphrase|pass ?word', keywords: ['pass', 'pwd'] },
  { kind: 'password', names: 'pass|pw', keywords: ['pass', 'pw'], strict: true },
  { kind: 'api_key', names: 'api[ _-]?keys?|apikey|x-api-key|app[ _-]?key|license[ _-]?key|access[ _-]?key(?:[ _-]?id)?', keywords: ['api', 'key'] },
  { kind: 'client_secret', names: 'client[ _-]?secret|secret[ _-]?(?:access[ _-]?)?key|secret|shared[ _-]?secret|signing[ _-]?secret|webhook[ _-]?secret', keywords: ['secret'] },
  { kind: 'access_token', names: '(?:access|auth|refresh|session|bot|personal access|api|bearer|id)[ _-]?tokens?|token', keywords: ['token'] },
  { kind: 'private_key', names: 'private[ _-]?key', keywords: ['private'] },
];
// A value: anything up to whitespace, a quote or a list separator.
const VALUE = `["'\`]?([^\\s"'\`,;]{1,512})`;

interface OwnRule {
  kind: string;
  /** Needs the `d` flag (match indices). Every quantifier is bounded: no input makes it backtrack far. */
  pattern: RegExp;
  keywords?: string[];
  group?: number;
  accept?: (secret: string) => boolean;
  unbounded?: boolean;
}

// Our own rules run on V8's RegExp (re2js would be ~50x slower on prose); each is linear-bounded by
// construction: no nested quantifiers, and every repetition has an upper bound.
const OWN_RULES: OwnRule[] = [
  // Any private key block, PGP's included; an unterminated block is redacted to the end of the text.
  { kind: 'private_key', pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|$)/dg, keywords: ['private key'], unbounded: true },
  // scheme://user:password@host; the password may hold "/" (unencoded, as people paste it).
  { kind: 'connection_string_password', pattern: /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@]{1,256}:([^\s@]{1,256})@[^\s@]/dgi, keywords: ['://'], group: 1, accept: notAPort },
  // user:password@host without a scheme (HTTP Basic credentials written inline).
  { kind: 'basic_auth', pattern: /(?:^|[\s("'<])[A-Za-z0-9._%+-]{2,64}:([^\s@:/]{3,128})@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/dg, keywords: ['@'], group: 1, accept: looksLikeSecret },
  { kind: 'basic_auth', pattern: /\bauthorization\s{0,8}[:=]?\s{0,8}["']?basic\s{1,8}([A-Za-z0-9+/_-]{8,1024}={0,2})/dgi, keywords: ['basic'], group: 1 },
  { kind: 'basic_auth', pattern: /\bbasic\s{1,8}auth(?:entication|orization)?\s{0,8}(?:header|credentials?)?\s{0,8}(?:[:=]|is|was)\s{0,8}["']?([A-Za-z0-9+/_-]{8,1024}={0,2})/dgi, keywords: ['basic'], group: 1 },
  { kind: 'bearer_token', pattern: /\bBearer\s{1,8}([A-Za-z0-9\-._~+/]{8,4096}=*)/dg, keywords: ['bearer'], group: 1 },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/dg, keywords: ['akia', 'asia', 'abia', 'acca'] },
  { kind: 'aws_secret_key', pattern: /\baws_secret_access_key\s{0,8}[:=]\s{0,8}["']?([A-Za-z0-9/+=]{20,256})/dgi, keywords: ['aws_secret'], group: 1 },
  // An AWS secret key in prose: a 40-character key shape within a line of the word "aws".
  { kind: 'aws_secret_key', pattern: /\baws\b[^\n]{0,80}?(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{39}[A-Za-z0-9/+=])(?![A-Za-z0-9/+=])/dgi, keywords: ['aws'], group: 1, accept: mixedClasses },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}/dg, keywords: ['eyj'] },
  { kind: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/dg, keywords: ['gh'] },
  { kind: 'github_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,255}/dg, keywords: ['github_pat_'] },
  { kind: 'slack_token', pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{10,255}/dg, keywords: ['xox'] },
  { kind: 'slack_webhook', pattern: /hooks\.slack\.com\/((?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{8,255})/dgi, keywords: ['hooks.slack.com'], group: 1 },
  { kind: 'webhook_url', pattern: /\b(?:outlook\.office(?:365)?\.com\/webhook|[a-z0-9-]{1,63}\.webhook\.office\.com\/webhookb2|discord(?:app)?\.com\/api\/webhooks)\/([^\s"'<>]{16,512})/dgi, keywords: ['webhook'], group: 1 },
  { kind: 'webhook_secret', pattern: /\bwhsec_[A-Za-z0-9+/=_-]{16,255}/dg, keywords: ['whsec_'] },
  { kind: 'api_key', pattern: /\b(?:sk|pk|rk)[-_](?:live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{16,255}/dg, keywords: ['sk-', 'sk_', 'pk-', 'pk_', 'rk-', 'rk_'] },
  { kind: 'api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/dg, keywords: ['aiza'] },
  // Azure storage / service bus connection strings and SAS signatures.
  { kind: 'azure_key', pattern: /\b(?:AccountKey|SharedAccessKey|SharedSecretValue)\s{0,8}=\s{0,8}([A-Za-z0-9+/]{16,1024}={0,2})/dgi, keywords: ['accountkey', 'sharedaccesskey', 'sharedsecretvalue'], group: 1 },
  { kind: 'azure_sas', pattern: /[?&]sig=([A-Za-z0-9%+/=]{20,512})/dgi, keywords: ['sig='], group: 1 },
  // npm and other registry credentials in an .npmrc line.
  { kind: 'npm_token', pattern: /(?:^|[:\s])(?:_authToken|_auth|_password)\s{0,8}=\s{0,8}["']?([^\s"']{6,1024})/dgi, keywords: ['_auth', '_password'], group: 1, accept: notPlaceholder },
  { kind: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/dg, keywords: ['npm_'] },
  // "password: X", "api_key=X", "token => X", "pwd - X": anything after an explicit separator.
  ...KEY_NAMES.map(({ kind, names, keywords, strict }): OwnRule => ({
    kind,
    pattern: new RegExp(`\\b(?:${names})\\b["']?\\s{0,16}(?:[:=]|=>|->|\\s[-\u2013\u2014]{1,2})\\s{0,16}${VALUE}`, 'dgi'),
    keywords,
    group: 1,
    accept: strict ? (v) => notPlaceholder(v) && looksLikeSecret(v) : notPlaceholder,
  })),
  // "the password is Winter2026!", "client secret 8f7d…", "password Winter2026!": no separator, so
  // only a value that looks like a secret.
  ...KEY_NAMES.filter((k) => !k.strict).map(({ kind, names, keywords }): OwnRule => ({
    kind,
    pattern: new RegExp(`\\b(?:${names})(?:\\s{1,8}(?:is|was|will be|are|=|for now is))?\\s{1,8}${VALUE}`, 'dgi'),
    keywords,
    group: 1,
    accept: looksLikeBareSecret,
  })),
];

let compiled: CompiledRule[] | undefined;

/** Compiled once, on first use (≈220 patterns). */
function rules(): CompiledRule[] {
  if (compiled) return compiled;
  const own = OWN_RULES.map((rule, i): CompiledRule => ({
    kind: rule.kind,
    rank: i,
    pattern: rule.pattern,
    keywords: rule.keywords ?? [],
    secretGroup: rule.group,
    allowlists: [],
    accept: rule.accept,
    unbounded: rule.unbounded,
  }));
  const ported = gitleaks.rules.map((rule, i): CompiledRule => ({
    kind: rule.id.replace(/-/g, '_'),
    rank: 1000 + i,
    pattern: RE2JS.compile(rule.regex),
    keywords: rule.keywords,
    secretGroup: 'secretGroup' in rule ? (rule.secretGroup as number) : undefined,
    entropy: 'entropy' in rule ? (rule.entropy as number) : undefined,
    allowlists: ('allowlists' in rule ? (rule.allowlists as GitleaksAllowlist[]) : []).map(compileAllowlist),
    assignment: rule.regex.includes(ASSIGNMENT_TEMPLATE),
  }));
  compiled = [...own, ...ported];
  return compiled;
}

let globalAllowlist: Allowlist | undefined;
const globalAllow = (): Allowlist => (globalAllowlist ??= compileAllowlist(gitleaks.allowlist));

/** gitleaks' measure: Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  const length = [...text].length;
  for (const n of counts.values()) {
    const p = n / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** gitleaks' allowlist semantics: OR (default) allows when any check holds, AND when all do. */
function allowed(list: Allowlist, secret: string, match: string, line: string): boolean {
  const checks: boolean[] = [];
  if (list.regexes) {
    const target = list.regexTarget === 'match' ? match : list.regexTarget === 'line' ? line : secret;
    checks.push(list.regexes.some((re) => re.test(target)));
  }
  if (list.stopwords) {
    const lower = secret.toLowerCase();
    checks.push(list.stopwords.some((word) => lower.includes(word)));
  }
  if (!checks.length) return false;
  return list.condition === 'AND' ? checks.every(Boolean) : checks.some(Boolean);
}

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? text.length : to);
}

const MARKER = /\[REDACTED:[a-z0-9_]+\]/g;

// A rule with keywords only runs near them: from WINDOW_BEFORE characters before a keyword to
// WINDOW_AFTER after it (gitleaks' patterns reach ≤ 50 characters before their keyword and a few
// hundred after). Long texts that mention "key" once then cost a few windows, not a full scan.
const WINDOW_BEFORE = 160;
const WINDOW_AFTER = 1024;
// In gitleaks' template `keyword[ \t\w.-]{0,20}[\s'"]{0,3}(?:=|>|:{1,3}=|…)` the separator comes
// at most ~25 characters after the keyword group (whose longest alternatives are ~30 characters):
// a keyword with none of those characters within ASSIGNMENT_REACH cannot start a match.
const ASSIGNMENT_TEMPLATE = '(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)';
const ASSIGNMENT_REACH = 96;
const SEPARATOR = /[=>:|?,]/;

function windowsFor(lower: string, keywords: string[], assignment = false): Array<[number, number]> {
  const starts: number[] = [];
  for (const keyword of keywords) {
    for (let at = lower.indexOf(keyword); at !== -1; at = lower.indexOf(keyword, at + 1)) {
      if (!assignment || SEPARATOR.test(lower.slice(at, at + ASSIGNMENT_REACH))) starts.push(at);
    }
  }
  starts.sort((a, b) => a - b);
  const windows: Array<[number, number]> = [];
  for (const at of starts) {
    const from = Math.max(0, at - WINDOW_BEFORE);
    const to = Math.min(lower.length, at + WINDOW_AFTER);
    const last = windows[windows.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else windows.push([from, to]);
  }
  return windows;
}

// gitleaks' prefilter asks, per rule, whether one of its keywords occurs: ~540 substring searches
// per string. One pass over the text finds every keyword that occurs instead, each looked up by its
// first two characters (a one-character keyword, such as "@", by a plain search), which is what
// makes the many short strings of a request cheap.
let keywordIndex: { byPair: Map<string, string[]>; single: string[]; rulesOf: Map<string, number[]>; always: number[] } | undefined;

/** The rules, in order, that have no keywords or one of whose keywords occurs in `lower`. */
function rulesFor(lower: string): CompiledRule[] {
  const all = rules();
  if (!keywordIndex) {
    const byPair = new Map<string, string[]>();
    const single: string[] = [];
    const rulesOf = new Map<string, number[]>();
    all.forEach((rule, i) => {
      for (const keyword of rule.keywords) rulesOf.set(keyword, [...(rulesOf.get(keyword) ?? []), i]);
    });
    for (const keyword of rulesOf.keys()) {
      if (keyword.length < 2) single.push(keyword);
      else byPair.set(keyword.slice(0, 2), [...(byPair.get(keyword.slice(0, 2)) ?? []), keyword]);
    }
    keywordIndex = { byPair, single, rulesOf, always: all.flatMap((rule, i) => (rule.keywords.length ? [] : [i])) };
  }
  const { byPair, single, rulesOf, always } = keywordIndex;
  const hit = new Set<number>(always);
  const add = (keyword: string) => {
    for (const i of rulesOf.get(keyword)!) hit.add(i);
  };
  for (const keyword of single) if (lower.includes(keyword)) add(keyword);
  for (let i = 0; i < lower.length - 1; i++) {
    const starting = byPair.get(lower.slice(i, i + 2));
    if (starting) for (const keyword of starting) if (lower.startsWith(keyword, i)) add(keyword);
  }
  return [...hit].sort((a, b) => a - b).map((i) => all[i]);
}

function candidatesIn(view: string): Candidate[] {
  const lower = view.toLowerCase();
  const markers = [...view.matchAll(MARKER)].map((m) => [m.index!, m.index! + m[0].length] as const);
  const inMarker = (start: number, end: number) => markers.some(([s, e]) => start < e && end > s);
  const found: Candidate[] = [];
  for (const rule of rulesFor(lower)) {
    // Our own rules are fast enough for the whole text; gitleaks' run in windows around keywords.
    const windowed = rule.pattern instanceof RE2JS && rule.keywords.length && !rule.unbounded;
    const windows: Array<[number, number]> = windowed ? windowsFor(lower, rule.keywords, rule.assignment) : [[0, view.length]];
    for (const [offset, to] of windows) {
      const part = offset === 0 && to === view.length ? view : view.slice(offset, to);
      for (const hit of matchesIn(rule, part)) {
        const start = hit.start + offset;
        const end = hit.end + offset;
        const secret = view.slice(start, end);
        if (secret.includes('[REDACTED') || inMarker(start, end)) continue;
        if (rule.accept && !rule.accept(secret)) continue;
        if (rule.entropy !== undefined && shannonEntropy(secret) <= rule.entropy) continue;
        if (rule.rank >= 1000) {
          const match = view.slice(hit.matchStart + offset, hit.matchEnd + offset);
          const line = lineAround(view, hit.matchStart + offset, hit.matchEnd + offset);
          if (allowed(globalAllow(), secret, match, line) || rule.allowlists.some((list) => allowed(list, secret, match, line))) continue;
        }
        found.push({ start, end, kind: rule.kind, rank: rule.rank });
      }
    }
  }
  return found;
}

interface Hit {
  matchStart: number;
  matchEnd: number;
  start: number;
  end: number;
}

/** Each match of the rule in `text`: the whole match and the secret in it (gitleaks' group choice). */
function matchesIn(rule: CompiledRule, text: string): Hit[] {
  const hits: Hit[] = [];
  const add = (matchStart: number, matchEnd: number, group?: [number, number]) => {
    let [start, end] = group ?? [matchStart, matchEnd];
    // "Winter2026!." ends a sentence: the full stop, a closing bracket or a colon is not the secret.
    while (end > start && /[.,)\]:;\n]/.test(text[end - 1])) end -= 1;
    if (end > start) hits.push({ matchStart, matchEnd, start, end });
  };
  if (rule.pattern instanceof RegExp) {
    const pattern = rule.pattern;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      if (m[0].length === 0) pattern.lastIndex += 1;
      const group = rule.secretGroup !== undefined ? m.indices?.[rule.secretGroup] : undefined;
      add(m.index, m.index + m[0].length, group);
    }
    return hits;
  }
  const matcher = rule.pattern.matcher(text);
  const groups = matcher.groupCount();
  while (matcher.find()) {
    // The configured group, else the first non-empty one, else the whole match.
    let group = rule.secretGroup;
    for (let g = 1; group === undefined && g <= groups; g++) if (matcher.start(g) >= 0 && matcher.end(g) > matcher.start(g)) group = g;
    const span: [number, number] | undefined = group !== undefined && group <= groups && matcher.start(group) >= 0 ? [matcher.start(group), matcher.end(group)] : undefined;
    add(matcher.start(), matcher.end(), span);
  }
  return hits;
}

/**
 * Every secret in `text`, as non-overlapping spans of the original text (overlapping finds are
 * merged; the best-ranked rule names the kind). Markers of an earlier redaction are never found again.
 */
export function findSecrets(text: string): SecretSpan[] {
  if (!text) return [];
  const view = normalisedView(text);
  const sorted = candidatesIn(view.text).sort((a, b) => a.start - b.start || a.rank - b.rank);
  const merged: Candidate[] = [];
  for (const c of sorted) {
    const last = merged[merged.length - 1];
    if (last && c.start < last.end) {
      last.end = Math.max(last.end, c.end);
      if (c.rank < last.rank) Object.assign(last, { kind: c.kind, rank: c.rank });
    } else {
      merged.push({ ...c });
    }
  }
  return merged.map((c) => {
    const [start, end] = toOriginal(view, c.start, c.end);
    return { start, end, kind: c.kind };
  });
}

/** Where the rules come from, for docs and tests. */
export const secretRuleSource = { gitleaks: gitleaks.source, gitleaksRules: gitleaks.rules.length, ownRules: OWN_RULES.length };
