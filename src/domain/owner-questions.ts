import { SYSTEM_NAME } from './facts';
import type { IntakeBundle } from './intake';
import type { Citation, OpenQuestion } from './packet';

// Drafter-side questions (not in ./questions, which the workflow bundles: this one reads facts and
// chrono-node). A dependency nobody is assigned to is asked of the handoff owner, never given to someone.

export interface UnownedDependency {
  dependency: string;
  sources: Citation[];
}

/**
 * A dependency nobody is assigned to blocks review until the handoff owner, who is accountable for
 * the handoff, says which side owns it. The question names the work, the customer's contact and the
 * implementation team as the choices, and quotes where the evidence leaves it open.
 */
export function unownedDependencyQuestion(d: UnownedDependency, id: string, bundle: IntakeBundle): OpenQuestion {
  const systems = systemsIn(d.sources.map((s) => s.quote).join(' '), bundle);
  const contact = bundle.stakeholders.find((s) => s.side === 'buyer' && /technical|it|data|engineer/i.test(`${s.role} ${s.title ?? ''}`))
    ?? bundle.stakeholders.find((s) => s.side === 'buyer');
  const what = /^Getting the customer data/.test(d.dependency)
    ? `getting the data out of ${systems.length ? systems.join(' and ') : 'the customer systems'}`
    : /^Access/.test(d.dependency) ? `access to ${systems.length ? systems.join(' and ') : 'the customer systems'}` : `"${d.dependency}"`;
  const quotes = d.sources.slice(0, 3).map((s) => `"${s.quote}" (${s.documentId})`).join('; ');
  return {
    id,
    question: `Nobody is assigned to ${what}. Who owns it: ${bundle.customer.name}${contact ? ` (${contact.name})` : ''} or the implementation team? The evidence leaves it open: ${quotes}.`,
    askOf: 'handoff_owner',
    blocking: true,
  };
}

const SYSTEM_WORD = new RegExp(`\\b${SYSTEM_NAME}`, 'g');

/** Named systems in a quote: capitalised words that are not people, the customer, or a sentence start. */
export function systemsIn(text: string, bundle: IntakeBundle): string[] {
  const skip = new Set([
    ...bundle.stakeholders.flatMap((s) => s.name.split(/\s+/)),
    ...Object.values(bundle.owners).flatMap((p) => (p ? p.name.split(/\s+/) : [])),
    ...bundle.customer.name.split(/\s+/),
  ].map((w) => w.toLowerCase()));
  const found: string[] = [];
  for (const m of text.matchAll(SYSTEM_WORD)) {
    const word = m[0].replace(/[.,;:]+$/, '');
    const start = m.index === 0 || /[.:;!?]\s*$/.test(text.slice(0, m.index));
    if (start || word.length < 3 || skip.has(word.toLowerCase()) || COMMON_CAPS.has(word) || found.includes(word)) continue;
    found.push(word);
  }
  return found;
}

const COMMON_CAPS = new Set(['The', 'We', 'Our', 'Your', 'They', 'Just', 'Looking', 'Thanks', 'Customer', 'Ben', 'Please', 'If', 'And', 'But', 'Email', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']);
