import { simpleParser, type AddressObject } from 'mailparser';
import { htmlText } from './html';
import { refuse } from './types';

// An email as evidence: who wrote it, to whom and when (names only, no addresses), the new reply
// text, then any quoted earlier message, kept but marked so nobody mistakes it for the reply.

export const QUOTE_START = '[Quoted earlier message';
export const QUOTE_END = '[End of quoted message]';

/** Where the quoted part of a reply starts: "On … wrote:", an "Original Message" rule, or the first ">" line. */
const QUOTE_INTRO = /^(?:On\b[^\n]{0,300}?\bwrote:|-{2,}\s*Original Message\s*-{2,}|_{5,}\s*$|From:\s.+\n(?:Sent|Date):\s)/im;

export function splitQuoted(body: string): { reply: string; quoted?: string; intro?: string } {
  const text = body.replace(/\r\n?/g, '\n');
  const intro = QUOTE_INTRO.exec(text);
  const firstQuoteLine = /^>/m.exec(text);
  const at = Math.min(intro?.index ?? Infinity, firstQuoteLine?.index ?? Infinity);
  if (at === Infinity) return { reply: text.trim() };
  const reply = text.slice(0, at).trim();
  let rest = text.slice(at);
  let introLine: string | undefined;
  if (intro && intro.index === at) {
    introLine = intro[0].split('\n')[0].trim();
    rest = rest.slice(rest.indexOf('\n') + 1 || rest.length);
  }
  const quoted = rest
    .split('\n')
    .map((line) => line.replace(/^(?:\s*>)+ ?/, ''))
    .join('\n')
    .trim();
  return { reply, quoted: quoted || undefined, intro: introLine };
}

const names = (a: AddressObject | AddressObject[] | undefined): string | undefined => {
  const list = (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value);
  const out = list.map((v) => v.name || v.address).filter(Boolean);
  return out.length ? out.join(', ') : undefined;
};

export async function emlText(bytes: Uint8Array): Promise<{ text: string; capturedAt?: string; title?: string }> {
  const mail = await simpleParser(Buffer.from(bytes), { skipImageLinks: true, skipTextLinks: true });
  const body = mail.text ?? (typeof mail.html === 'string' ? htmlText(mail.html) : '');
  const from = names(mail.from);
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : undefined;
  const { reply, quoted, intro } = splitQuoted(body);
  if (!reply && !quoted) return refuse(422, 'empty_email', 'the email has no text body; forward it with its text or paste the text as a document');
  const header = [
    from && `From: ${from}`,
    names(mail.to) && `To: ${names(mail.to)}`,
    names(mail.cc) && `Cc: ${names(mail.cc)}`,
    date && `Date: ${date}`,
    mail.subject && `Subject: ${mail.subject}`,
  ].filter(Boolean);
  const parts = [header.join('\n'), reply];
  if (quoted) parts.push(`${QUOTE_START}${intro ? `: ${intro}` : ''}]\n${quoted}\n${QUOTE_END}`);
  const title = [mail.subject, from && `(from ${from})`].filter(Boolean).join(' ');
  // Business dates only (2000–2199): a mangled Date header falls back to the upload time.
  const capturedAt = date && /^2[01]\d\d-/.test(date) ? date : undefined;
  return { text: parts.filter(Boolean).join('\n\n'), ...(capturedAt ? { capturedAt } : {}), ...(title ? { title: title.slice(0, 300) } : {}) };
}
