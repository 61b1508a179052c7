import type { AnalyzedDocument, EvidenceSentence, Side } from './evidence';
import type { IntakeBundle } from './intake';
import type { Citation } from './packet';

// Who provides what: the customer's data, access to its systems, and other obligations a contract
// puts on one side. A dependency nobody is clearly assigned to is where handoffs go wrong.

export type DependencyTopic = 'data' | 'access' | 'obligation' | 'work';
export type Assignee = 'buyer' | 'vendor' | 'unassigned';

export interface DependencyMention {
  topic: DependencyTopic;
  owner: Assignee;
  /** "together", "sort out", "TBD": words that leave the owner open on purpose or by accident. */
  vague: boolean;
  sentence: EvidenceSentence;
}

const DATA = /\b(data|exports?|extracts?|extraction|files?|feeds?|records|history|historical)\b/i;
const DATA_ACTION = /\b(provid(?:e|es|ed|ing)|pull(?:s|ed|ing)?|extract(?:s|ed|ing)?|send(?:s|ing)?|sent|deliver(?:s|ed|ing)?|handl(?:e|es|ed|ing)|upload(?:s|ed|ing)?|shar(?:e|es|ed|ing)|suppl(?:y|ies|ied|ying)|prepar(?:e|es|ed|ing)|get(?:ting)?\b.{0,40}\bout\b|granted)\b/i;
const ACCESS = /\b(access|credentials|vpn|sso|single sign-on|admin rights|sandbox|permissions|service accounts?|firewall|gateway|api (?:user|keys?|tokens?))\b/i;
const ACCESS_ACTION = /\b(provid(?:e|es|ed|ing)|grant(?:s|ed|ing)?|give|gives|giving|set(?:s|ting)? up|configur(?:e|es|ed|ing)|creat(?:e|es|ed|ing)|issu(?:e|es|ed|ing)|enabl(?:e|es|ed|ing))\b/i;
const OBLIGATION = /\b(customer|client|buyer)(?:'s)?\s+(?:\w+\s+)?(?:will|shall|must|agrees to|is responsible for)\s+(?:provide|supply|make available|assign|deliver|grant|ensure)\b/i;

// "Dev asked who builds the ClaimCenter plugin", "the associates and our team will do it jointly": work
// whose owner was asked about or left open.
const OPEN_WORK = /\bwho (?:builds?|converts?|maps?|configures?|sets? up|owns?|writes?|migrates?|does|handles?|runs?|creates?|maintains?)\b/i;

const LEFT_TO_BUYER = /\b(?:is|are) for (?:the )?(?:customer|client|buyer|district|county|city|hospital|school|them)\b[^.;]{0,20}\bto\b|\b(?:their|the customer's) responsibility\b/i;
const VAGUE_OWNER = /\btogether\b|\bjointly\b|\bboth (?:parties|sides|teams)\b|\bsort(?:ed)? (?:\w+ ){0,3}out\b|\bfigure (?:\w+ ){0,2}out\b|\btbd\b|\bto be (?:determined|agreed|confirmed|decided)\b|\bstill to be decided\b|\bnobody answered\b|\bfigure (?:\w+ ){0,2}out later\b|\bwho (?:pulls|provides|extracts|exports|handles|owns|will)\b/i;

/** Finds who-provides-what sentences across the documents (the CRM record states none). */
export function dependencyMentions(docs: AnalyzedDocument[], bundle: IntakeBundle): DependencyMention[] {
  const customerWord = bundle.customer.name.split(/\s+/)[0].toLowerCase();
  const people = peopleOf(bundle);
  const mentions: DependencyMention[] = [];
  for (const doc of docs) {
    if (doc.crm) continue;
    for (const sentence of doc.sentences) {
      // "that is for the district to sort out": open words, but the owner is named.
      const leftToBuyer = LEFT_TO_BUYER.test(sentence.text);
      const vague = VAGUE_OWNER.test(sentence.text) && !leftToBuyer;
      const topic = topicOf(sentence, doc.contract) ?? (!doc.contract && vague && OPEN_WORK.test(sentence.text) ? 'work' : undefined);
      if (!topic) continue;
      const owner = vague ? 'unassigned' : leftToBuyer ? 'buyer' : namedAssignee(sentence.text, people) ?? assigneeOf(sentence.text, sentence.author, customerWord);
      mentions.push({ topic, owner, vague, sentence });
    }
  }
  return mentions;
}

function topicOf(sentence: EvidenceSentence, contract: boolean): DependencyTopic | undefined {
  const text = sentence.text;
  if (DATA.test(text) && DATA_ACTION.test(text)) return 'data';
  if (ACCESS.test(text) && ACCESS_ACTION.test(text)) return 'access';
  if (contract && OBLIGATION.test(text)) return 'obligation';
  return undefined;
}

const BUYER_SUBJECT = /\b(customer|client|buyer|licensee)(?:'s)?\s+(?:\w+\s+)?(?:will|shall|must|agrees|is responsible|to provide|provides)\b/i;
const VENDOR_SUBJECT = /\b(vendor|provider|supplier|consultants?|implementation team)\s+(?:will|shall|must|is responsible|provides)\b/i;
const FIRST_PERSON = /\b(?:we|our (?:\w+ )?team|our it|our engineers)\b\s*(?:will|'ll|can|shall|are going to|handle)/i;
const SECOND_PERSON = /\b(?:you|your (?:\w+ )?team|your engineers|your side)\b\s*(?:will|'ll|can|shall|are going to|handle)/i;
const THIRD_PERSON = /\b(?:they|their (?:\w+ )?team|their it|their side)\b\s*(?:will|'ll|can|shall|are going to)/i;

/** The side a sentence puts in charge, reading "we"/"you" from the author's side. */
export function assigneeOf(text: string, author: Side, customerWord: string): Assignee {
  const other: Side = author === 'buyer' ? 'vendor' : 'buyer';
  if (BUYER_SUBJECT.test(text) || new RegExp(`\\b${escape(customerWord)}(?:'s)?\\s+(?:\\w+\\s+)?(?:will|shall|must)\\b`, 'i').test(text)) return 'buyer';
  if (VENDOR_SUBJECT.test(text)) return 'vendor';
  if (SECOND_PERSON.test(text)) return other;
  if (FIRST_PERSON.test(text)) return author;
  if (THIRD_PERSON.test(text)) return author === 'vendor' ? 'buyer' : 'vendor';
  return 'unassigned';
}

/** First names of the people on the deal, by side ("Ivy said she would send …" puts Ivy's side in charge). */
function peopleOf(bundle: IntakeBundle): Map<string, Side> {
  const people = new Map<string, Side>();
  for (const p of Object.values(bundle.owners)) if (p) people.set(firstName(p.name), 'vendor');
  for (const s of bundle.stakeholders) people.set(firstName(s.name), s.side === 'buyer' ? 'buyer' : 'vendor');
  return people;
}

const firstName = (name: string): string => name.replace(/^(?:dr|mr|mrs|ms|prof)\.?\s+/i, '').split(/\s+/)[0].toLowerCase();
const NAMED_DOER = /^([A-Z][a-z]+)\s+(?:said (?:she|he|they) (?:would|will)|will|would|is going to|agreed to|offered to|can)\s+(?:provide|send|pull|extract|export|share|upload|deliver|grant|give|create|set up|prepare|get)\b/;

function namedAssignee(text: string, people: Map<string, Side>): Assignee | undefined {
  const m = NAMED_DOER.exec(text);
  return m ? people.get(m[1].toLowerCase()) : undefined;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const dependencyLabel: Record<DependencyTopic, string> = {
  data: 'Getting the customer data out of its source systems and to the implementation team',
  access: 'Access to the customer systems the implementation needs',
  obligation: 'Customer obligation under the contract',
  work: 'Work whose owner was left open',
};

export interface DependencyDraft {
  dependency: string;
  owner: Assignee;
  sources: Citation[];
}

// The contract decides who owns a dependency. Without it, the buyer owns what only the buyer's
// side volunteered; anything the vendor was said to take on stays unassigned until reviewed.
export function dependenciesOf(mentions: DependencyMention[]): DependencyDraft[] {
  const drafts: DependencyDraft[] = [];
  for (const topic of ['data', 'access'] as const) {
    const about = mentions.filter((m) => m.topic === topic);
    if (about.length === 0) continue;
    drafts.push({ dependency: dependencyLabel[topic], owner: ownerOf(about), sources: about.slice(0, 20).map((m) => ({ documentId: m.sentence.documentId, quote: m.sentence.text })) });
  }
  for (const m of mentions.filter((m) => m.topic === 'obligation' || m.topic === 'work')) {
    drafts.push({ dependency: m.sentence.text.replace(/\s+/g, ' '), owner: m.owner, sources: [{ documentId: m.sentence.documentId, quote: m.sentence.text }] });
  }
  return drafts;
}

function ownerOf(mentions: DependencyMention[]): Assignee {
  const contractual = mentions.find((m) => m.sentence.contract && m.owner !== 'unassigned');
  if (contractual) return contractual.owner;
  const definite = mentions.filter((m) => m.owner !== 'unassigned');
  if (definite.length > 0 && definite.length === mentions.filter((m) => !m.sentence.contract).length && definite.every((m) => m.owner === 'buyer')) return 'buyer';
  return 'unassigned';
}
