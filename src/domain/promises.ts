import { analyzeDocuments, cite, uniqueCitations, type AnalyzedDocument, type EvidenceSentence } from './evidence';
import { datesMentioned, dateFactOf, extractDates, extractDurations, extractQuantities, NAMED_SYSTEM_KINDS, sentenceDates, SYSTEM_NAME } from './facts';
import type { IntakeBundle } from './intake';
import { infeasiblePromises, type InfeasiblePromise } from './feasibility';
import { hasNegatedVerb } from './nlp';
import type { Citation, ImpliedPromise, PromiseCategory } from './packet';
import { redactBundle } from './redact';
import { declaredNotSold, notSoldClauses, soldScopeClauses, type ScopeClause } from './scope';
import { contentWords, cutSpan, overlap, type Span } from './text';

// Implied promises: what calls and emails say the vendor will do (or the buyer counts on) that the
// contract documents do not back. Deterministic, so an LLM drafter cannot make one disappear: the
// verifier unions these findings back into any packet.
//
// Each sentence is cut into clauses, and each clause is read for who speaks (a named person, "we",
// "you", a transcript "Name:" prefix) and how: a vendor claim or commitment, or a buyer's belief
// about what the vendor will do, is a candidate. Refusals, boundaries acknowledged by the buyer,
// questions, the buyer's own obligations, ownership left open (a dependency finding, not a promise),
// restatements of the contract and bare assents ("no problem") to requests the contract covers are not.

type Reason = ImpliedPromise['reason'];
type Side = 'buyer' | 'vendor';

/** An implied promise with what the feasibility check and the risk section need. */
export interface PromiseFinding extends ImpliedPromise {
  /** The date the promise points at, when it names one (directly or through a dated event). */
  promisedBy?: string;
}

// Clause boundaries inside a sentence: ";", "but", and ", and"/" and" before a new speaker.
const CLAUSE_BREAK = /\s*;\s*|(?<=\.)\s+(?=[a-z])|,?\s+but\s+|,\s+and\s+(?=(?:we|you|they|he|she|our|your|their)\b)|,?\s+and\s+(?=[A-Z][a-z]+ (?:said|mentioned|told|promised|assured|confirmed|offered|replied|answered|agreed)\b)/;

const REPORTING = /^(?:also\s+)?(?:\w+ly\s+)?(?:said|says|mentioned|told \w+|promised(?: \w+)?|(?:re)?assured(?: \w+)?|confirmed|committed|offered|guaranteed|claimed|noted|explained|replied|answered|responded|agreed|added|stated|boasted|bragged|emphasi[sz]ed|stressed|insisted|swore|vowed|pledged|estimated|projected|predicted|reiterated|highlighted|pointed out|indicated|affirmed|maintained|argued|wrote|let \w+ know)\b(?:\s+that\b(?!'))?\s*/i;
const BELIEF = /^(?:also\s+)?(?:is under the impression|(?:thinks?|believes?|assumes?|expects?|understands?|hopes?)\b|(?:is|are|was|were) (?:also )?(?:expecting|assuming|counting on|told)\b|(?:has|have) (?:also )?been told\b|tells? (?:me|us)\b|told (?:me|us)\b|(?:is|are) looking forward to\b|(?:was|were) promised\b)(?:\s+that)?\s*/i;
const WANT = /^(?:also\s+)?(?:wants?|needs?|would (?:also )?like|(?:may|might) (?:also )?want|asked for|requested)\b\s*/i;
const QUESTION = /^(?:also\s+)?(?:asked|asks|wondered|wanted to know|queried)\b/i;
const BELIEF_ANYWHERE = /\b(?:(?:was|were|has been|have been) (?:told|assured|promised)|counting on|under the impression|looking forward to|thanks for agreeing|as (?:you|we) (?:said|discussed|agreed)|as promised|per your (?:demo|call|email|note|proposal|deck|slides)|as (?:you|your team) (?:showed|demoed))\b/i;
const RESTATEMENT = /\b(?:you|your (?:\w+ )?team|your engineers|your side)\s*(?:'ll|will|would|can|could|said|promised|agreed|mentioned|told|offered|assured|committed)\b/i;
const NP_BELIEF = /^(?:(?:also|and),?\s+)?(?:our|their|the|my|your)\s+(?:[\w-]+\s+){1,3}?(?:also\s+)?(?:expects?|is expecting|are expecting|assumes?|is assuming|are assuming|believes?|thinks?|(?:is|are) counting on|(?:is|are) under the impression|(?:was|were|has been|have been) (?:told|promised))\b(?:\s+that)?\s*/i;
const SAME_PAGE = /^(?:just )?(?:so (?:that )?we(?:'re| are) (?:on the same page|aligned)|for the record|to be clear|as a reminder|my understanding is(?: that)?|our understanding is(?: that)?)[:,]?\s*/i;
// The customer's own people doing the work ("their maintenance crew will mount the sensors", "their
// nephew handles the website"): the customer's side, not a promise.
const OWN_SIDE = /^(?:their|our)\s+(?:[\w-]+\s+){0,3}?(?:will|'ll|would|can|handles?|owns?|does|manages?|runs?|keeps?|takes? care of|(?:is|are) going to|(?:is|are) (?!expecting|assuming|counting|hoping|looking|under)\w+ing|builds?|mounts?|maps?|installs?)\b/i;
const NARRATED_KINDS: string[] = ['call_notes', 'crm_note', 'other'];
const SPEAKER_LINE = /^(?:[-*\u2022\u2013]\s+)?[A-Z][a-z]+:\s/;
const OURS = /\b(?:is|are|stays?|remains?) (?:ours|on us|ours to \w+|our (?:job|call|problem|responsibility|side))\b/i;
const VENDOR_ROLE = /^(?:the\s+|our\s+)?(?:AE|SE|CSM|AM|rep|sales ?rep|account executive|account manager|solutions engineer)\b:?\s+/;
const BUYER_ROLE = /^(?:the\s+)?(?:customer|client|buyer|prospect)\b:?\s+/i;
const FIELD_WANT = /^(?:expected|target|desired|requested|required|preferred)\s+[\w -]{1,30}:\s*/i;
const LATER_BELIEF = /\band (?:also )?(?:assumes?|expects?|believes?|thinks?|(?:is|are) (?:expecting|assuming|counting on|under the impression))\b/i;
const PRONOUN_BELIEF = /^(?:they|we|she|he)\s+(?:also\s+)?(?:think|thinks|believe|believes|assume|assumes|expect|expects|are expecting|is expecting|(?:may|might) (?:also )?want|want|wants|need|needs|are counting on|is counting on)\b/i;

const COMMITMENT = /\b(?:will|'ll|can|could|would|shall|going to|guarantee\w*|promis\w*|assur\w*|commit\w*|offer\w*|happy to|glad to|definitely|includ\w*|covers?|covered|standard|built in|out of the box|works?|handles?|supports?|supported|compatible|tracks?|refresh\w*|re-?plans?|syncs?|meets?(?! (?:you|your|with|the team|everyone|up)\b)|satisf\w+|validated|accurate|easy|fine|throw (?:it |that )?in|no (?:extra |additional )?(?:cost|charge)|free of charge|go(?:es)?[- ]?live|be live|should be (?:live|ready|up and running|running|done|in place|available|working)|(?:are|am|'re|'m) (?:aiming (?:for|to)|targeting)|live (?:on|by|in)|ready by|in production|is a yes|got you covered|consider it done|leave it with me|count on (?:us|me)|take care of|not a problem)\b/i;
// Words that leave ownership open: the sentence is a dependency finding, reported once there.
const VAGUE_OWNER = /\btogether\b|\bjointly\b|\bsort(?:ed)? (?:\w+ ){0,3}out\b|\bfigure (?:\w+ ){0,2}out\b|\bwork (?:it|this|that) out\b|\btbd\b|\bto be (?:determined|decided|agreed|confirmed)\b|\bstill to be decided\b|\bnobody answered\b|\b(?:talk|think) about (?:that|it|this)\b|\bcheck with\b|\bget back to (?:you|them|her|him)\b|\blook into (?:that|it|this)\b|\bcome back (?:to|on) (?:that|it|this|you|them|her|him)\b/i;
// A stated boundary: refused, excluded, or acknowledged as the buyer's side.
const BOUNDARY = /\b(?:declined|refused|turned (?:it |that |this )?down|said no)\b|\bnot (?:included|part of|in scope|covered|something we|possible|in this|available|offered)\b|\bout of scope\b|\boutside (?:the |of )?(?:the )?scope\b|\bexcluded\b|\b(?:stays?|remains?) (?:out|with|in|on)\b|\b(?:keeps?|continues?) (?:using|buying|doing|running|handling|to (?:use|buy|do|run|handle))\b|\bfrom (?:their|your|our) (?:own |current |existing )?(?:\w+ )?(?:supplier|vendor|provider|contractor|agency|partner)(?=\s*(?:[.,;!]|$))|\b(?:team|vendor|agency|contractor|broker|partner) keeps? (?:that|it|those|them)\b|\b(?:separate|different) (?:project|engagement|purchase|product|module|offering)\b|\boutside what we\b|\b(?:is|are) on (?:their|our|the customer's) side\b|\b(?:cannot|can't|won't|do not|don't|does not|doesn't|will not)\b|\bnot expecting\b|\b(?:their|the customer's) responsibility\b|\b(?:handled|done|run|managed|owned|provided) by their\b|\bby (?:our|their) (?:own |current |existing )?(?:\w+ )?(?:team|contractor|vendor|provider|staff|broker|partner|agency|department)\b/i;
const NEGATION_WORD = /\b(?:not|never|no)\b|n't\b/i;
const HARMLESS_NO = /\bno (?:problem|extra|additional|cost|charge)\b/i;
const PAID_OPTION = /\bpaid option\b|\bfor a fee\b|\bchange order\b|\b(?:scope|scoped|budget|budgeted|pay|paid|price|priced|quote|quoted|buy|purchase|contract)\b[^.;]{0,25}\bseparately\b|\bseparate (?:sow|order|quote|contract)\b|\bat (?:an )?additional cost\b|\bseparately priced\b|(?<!\bno )\bextra cost\b|\b(?:may|might|could|will|would|plan to|want to|hope to) (?:also )?(?:buy|purchase|order|license)\b/i;
const HEDGE = /\b(?:usually|typically|normally|in general|historically)\b/i;
// The seller on other customers ("most communities see charting time drop") or on the past ("it was
// validated at two centers last year"): a reference, not a promise to this customer.
const GENERIC_OTHERS = /^(?:that\s+)?(?:most|many|some|other|our other|all our|all of our)\s+(?:of (?:our|their|the) )?(?:\w+\s+)?(?:customers|clients|users|sites|communities|teams|studios|hospitals|practices|stores|companies|organi[sz]ations|\w+s)\s+(?:see|get|report|have|use|run|like|say|find|go|tend)\b/i;
const PAST_FACT = /\b(?:was|were|had been|did|went|took)\b[^.;]*\b(?:last (?:year|month|quarter|week|spring|summer|fall|autumn|winter)|\d+ (?:years?|months?) ago|(?:a )?(?:few|couple of) (?:years|months) ago|in 20\d\d|previously|back in)\b/i;
// A short verdict on what was just said ("that's tight", "that's a fair ask") carries no promise of
// its own; an assent among them ("that's doable") answers the request before it.
const VERDICT = /^(?:that|this|it)(?:'s|\s+is|\s+was|\s+sounds|\s+seems)\s+(?:a\s+)?(?:bit\s+|little\s+|very\s+|pretty\s+|quite\s+|really\s+|totally\s+)?([\w-]+)(?:\s+(?:ask|question|point|one))?[.!]?$/i;
const ASSENT_VERDICT = /^(?:doable|fine|ok(?:ay)?|possible|realistic|feasible|achievable|workable|no problem|easy|covered|included)$/i;
// "Can you confirm?", "right?": a tag that asks to confirm a statement leaves the statement standing.
const TAG_QUESTION = /,?\s*(?:(?:can|could) you (?:please )?confirm|(?:is that )?right|correct|yes|no|is that correct|am i right)\?\s*$/i;
// An earlier message quoted under a reply ("-----Original message-----", "On Tue, Carol wrote:", "> …").
const QUOTED_REPLY = /^-{2,}\s*(?:original message|forwarded message)|^on\b.{0,80}\bwrote:\s*$|^>/im;
const BARE_ASSENT = /^(?:sure|yes|yeah|ok(?:ay)?|of course|absolutely|no problem|great|sounds good|will do|can do|happy to|definitely|done|fine|consider it done|you got it|count on (?:it|us|me)|leave it with me|we've got you covered|on it)(?:[,!.]?\s*(?:we(?:'ll| will| can)? (?:do|handle|manage) (?:it|that|this)|(?:that|it)(?:'s| is) fine|we can do that))?[.!]?$/i;
const ASSENT_START = /^(?:sure|yes|yeah|absolutely|of course|definitely|no problem|not a problem|happy to|ok(?:ay)?|consider it done|you got it|count on (?:it|us|me)|leave it with me|we've got you covered|will do|can do)\b/i;
const CONFIRMATION = /\b(?:to confirm|confirming|to recap|recap|as per|per the (?:order form|sow|contract)|(?:is |are )?in the (?:order form|sow|contract|agreement)|attaching|attached|what the (?:sow|contract|order form) (?:says|states)|happy to confirm)\b/i;
const INCLUSION = /\b(?:is|are) (?:included|covered|standard|part of (?:the|this))\b|\b(?:package|order|sow|contract|subscription|plan) (?:covers|includes)\b/i;

const TIMELINE_DELIVERY = /\b(?:live|ready|running|done|(?:be|is|are) up|open(?:ed)? (?:to|for)|delivered|launch\w*|up and running|working|shipped|finished|in place|onboarded|rolled out|in production|available|start|begin|aim(?:s|ing)? (?:for|at)|target(?:ed|ing)?|wraps?(?: up)?|wrapped|completed?|ships?|shipped|lands?)\b/i;
// Time shapes TIMELINE leaves out: a range of weeks ("in 6-8 weeks", "4 to 6 weeks from data access"), a
// duration after something the customer does ("two weeks after we get the data"), a quarter ("wraps in
// Q2", "early next quarter") and a window of theirs ("during the shutdown").
const COUNT = '(?:\\d+|a|an|one|two|three|four|five|six|seven|eight|ten|twelve)';
const TIMELINE_MORE = new RegExp(
  `\\b(?:in|within|takes?|about|around) ${COUNT}\\s*(?:-|\u2013|to|or)\\s*${COUNT} (?:business |working )?(?:days?|weeks?|months?)\\b` +
  `|(?<!\\bfor )\\b${COUNT}(?:\\s*(?:-|\u2013|to|or)\\s*${COUNT})? (?:business |working )?(?:days?|weeks?|months?) (?:after|once|following|from) (?:we|you|they|the customer|your team|their team) (?:get|gets|have|has|receive|receives|send|sends|sign|signs|give|gives)\\b` +
  `|\\b(?:in|by|before|during|early|mid|late|end of|within) (?:the )?(?:next quarter|this quarter|q[1-4]|(?:first|second|third|fourth) quarter)\\b` +
  `|\\b${COUNT} (?:business |working )?(?:days?|weeks?|months?) (?:post-?\\s?|out from |past )(?:the )?(?:kick-?off|signing|signature|contract|go-?live)\\b` +
  `|\\b(?:first thing|early|right) (?:in|after) (?:the )?new year\\b` +
  `|\\bduring (?:the|their|your|our) (?:[\\w-]+ ){0,2}(?:shut-?down|closure|break|holidays?|off-?season|downtime|maintenance window|freeze|outage|renovation)\\b`,
  'i',
);
const isTimeline = (text: string): boolean => TIMELINE.test(text) || TIMELINE_MORE.test(text);
// A vendor's bare answer with a time ("Ben: early next quarter, well before your March rush") commits to it.
const TIME_ANSWER = /^(?:(?:probably|likely|realistically|easily|definitely|honestly)[,]?\s+)?(?:early|mid|late|end of|by|before|within|around|no later than|the (?:first|second|third|last) week of|next|in (?:\d|a |an |one|two|three|four|five|six|q[1-4]))\b/i;
const TIMELINE = /\b(?:live|ready|(?:be|is|are) up|running|done|in place|available|launched|delivered|in production|open(?:ed)? (?:to|for) \w+)\b[^.;]{0,40}\b(?:before|by|in time for|ahead of|until|no later than)\b|\b(?:before|by|in time for|ahead of|until) (?:the )?(?:\w+ ){0,3}(?:meeting|deadline|launch|board|end of|quarter|q[1-4]|season|audit|holidays?|weekend|opening|open|thanksgiving|christmas|easter|new year|black friday|year[- ]end|eoy|eoq)\b|\b(?:ready|live|done|in place) for the (?:\w+ ){0,2}(?:meeting|board|launch|season|audit|opening)\b|\b(?:ready|live|done|in place|up and running|working|running) (?:for|in time for) (?:the |their |our |your )?(?:[\w'-]+ ){0,3}(?:day|week|meeting|launch|season|audit|opening|survey|inspection|event|shoot|kickoff|deadline|rush|peak|show|conference|one)\b|\b(?:\d+|a|one|two|three|four|five|six) sprints?\b|\bwithin (?:\d+|a|an|one|two|three|four|five|six|48|24|72) (?:business |working )?(?:hours?|days?|weeks?|months?)\b|\bin (?:\d+|a|one|two|three|four|five|six|eight|ten) (?:business |working )?(?:days?|weeks?|months?)\b|(?<!\bfor )\b(?:\d+|a|one|two|three|four|five|six|eight|ten) (?:business |working )?(?:days?|weeks?|months?|sprints?) (?:from|after|of) (?:the )?(?:kick-?off|signing|signature|contract|start|go-?live|data access)\b|\btakes? (?:\w+ ){0,2}(?:days?|weeks?|months?)\b|\b(?:days?|weeks?|months?) at (?:most|the latest)\b|\bby then\b|\bnext week\b/i;
const SUPPORT = /\b24\/7\b|\b24x7\b|\bon[- ]?call\b|\bweekends?\b|\bsaturdays?\b|\bsundays?\b|\bovernight\b|\bpick up the phone\b|\bsupport calls?\b|\b(?:join|attend|sit in on|dial into)\b[^.;]{0,40}\b(?:meetings?|calls?|stand-?ups?|reviews?|huddles?|syncs?|committee)\b|\bafter[- ]hours\b|\bevenings?\b|\bnights?\b|\bdedicated\b|\bhypercare\b|\bresponse time\b|\bsla\b|\bphone support\b|\bpremium support\b|\bsupport (?:team|engineer|line|them|you|the|for|us)\b|\baround the clock\b|\bhand-?holding\b|\bcheck-?ins?\b|\bstand-?ups?\b|\bon[- ]?site\b|\bonsite\b|\bin[- ]person\b|\bslack channel\b|\bevery (?:monday|tuesday|wednesday|thursday|friday|week|day|morning|month|quarter)\b|\bweekly\b|\bdaily\b|\bretrain\w* every\b|\bnamed (?:support )?(?:analyst|engineer|contact)\b|\bturnaround\b|\bassigned to (?:you|them|your team|their team)\b/i;
const SCOPE = /\b(?:add|adding|added|extra|additional|more|seats?|seat count|licen[cs]es|load(?:ed|ing)?|instead of|pull|extract|provide|deliver|take care of|convert|configure|create|write|own|throw (?:it |that )?in|at no (?:extra |additional )?(?:cost|charge)|no charge|free of charge|for free|set(?:ting)? up|build|migrate|scan|host|install|onboard|train|handle|cover|covers|covering|include[sd]?|run|do the)\b|\ball \d+\b/i;
const CAPABILITY = /\bhandles?\b[^.;]{0,30}\b(?:\d|million|thousand|volume|load|traffic|peaks?|events?|transactions?|requests?|users?)\b|\b(?:is|are) (?:supported|compatible)\b/i;
const MORE_SCOPE = /\b(?:add|adding|extra|additional|more|plus (?:the |another |an? )?(?:\d|extra|additional|other)|instead of|throw (?:it |that )?in|squeeze (?:it |that |this |\w+ )?in|(?:at )?no (?:extra |additional )?(?:cost|charge)|for free|free of charge|bring (?:\w+ ){0,3}on\b|(?<![\w-]|\b(?:a|one|per|each|every) )(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) (?!(?:week|day|month|quarter|half|time|phase|year|shift|round|opinion|thought)s?\b)(?=[a-z])|at no (?:extra |additional )?(?:cost|charge)|free of charge|for free|cover (?:all|the)|all \d+|onboard)\b/i;
const DATED_EVENT = /\b(?:board meeting|board meets|meeting|board|deadline|launch|demo|event|conference|audit|inspection|survey|vote|council|open enrollment|opening|season)\b/i;
// A dated event as a deadline ("before the council vote"), not as a word ("every county deadline").
const EVENT_DEADLINE = new RegExp(`\\b(?:before|by|ahead of|in time for|until) (?:the |their |our |your )?(?:[\\w'-]+ ){0,2}${DATED_EVENT.source}`, 'i');
const HISTORY = /\bhistor\w*|\barchiv\w*|\bmigrat\w*|\bback ?fill\w*|\bgoing back\b|\bolder than\b/i;
const LIMIT_WORDS = /\b(?:older than|more than|beyond|over|up to|at most|maximum|no more than|last)\b/i;
const BUSINESS_HOURS = /\bbusiness hours\b|\bbusiness days?\b|\b9(?:am|:00)?\s*-\s*5(?:pm|:00)?\b|\bstandard support\b/i;
const EXTENDED_SUPPORT = /\b24\/7\b|\b24x7\b|\bweekends?\b|\bsaturdays?\b|\bsundays?\b|\bafter[- ]hours\b|\bevenings?\b|\bon[- ]?call\b|\bnights?\b|\bovernight\b|\baround the clock\b/i;
// The kinds of extended hours a text names, so a contract whose support already runs "Tuesday to
// Sunday" backs "support covers weekends".
const EXTENDED_KINDS: Array<[string, RegExp]> = [
  ['weekend', /\bweekends?\b|\bsaturdays?\b|\bsundays?\b/i],
  ['night', /\bafter[- ]hours\b|\bevenings?\b|\bnights?\b|\bovernight\b/i],
  ['always', /\b24\/7\b|\b24x7\b|\baround the clock\b|\bon[- ]?call\b/i],
];
const extendedKinds = (text: string): string[] => EXTENDED_KINDS.filter(([, re]) => re.test(text)).map(([k]) => k);
const DELIVERED = /\b(?:live|in production|launch\w*|ready|running|done|in place|available|working|rolled out|delivered|up and running)\b/i;
const ALSO_MORE = /\b(?:will|would|can|could|'ll) also (?!be\b)\w+/i;
const DATE_ASSENT = /\b(?:doable|works|realistic|achievable|feasible|possible|no problem)\b/i;
const ORDINAL = /\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+([a-z]+?)s?\b(?:\s+([a-z]+?)s?\b)?/gi;
const ORDINALS: Record<string, number> = { second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10 };
const VAGUE = /\b(?:should|might|may|probably|hopefully|try|reasonable|we'll see|as needed|flexible|somehow)\b/i;

// Words that make a clause a promise but say nothing about its content.
const CUE_WORDS = new Set(contentWords(
  'said told promised assured confirmed committed offered guaranteed agreed mentioned asked expects expecting ' +
  'looking forward want wants also too include included including sure before after will can could would should ' +
  'need needs just confirm confirming discussed team know thanks fine okay ok problem definitely course covered ' +
  'standard recap order form sow attaching attached happy yes great said mention noted ' +
  'exactly really actually basically absolutely totally precisely package both cover covers built box native natively seamless seamlessly',
));

interface ContractContext {
  sentenceWords: Set<string>[];
  allWords: Set<string>;
  notSold: ScopeClause[];
  limits: Array<{ months: number; source: Citation }>;
  counts: Map<string, { count: number; sentence: EvidenceSentence }>;
  supportHours?: EvidenceSentence;
  goLive?: { date: string; sentence: EvidenceSentence };
  names: Map<string, Side>;
  nameWords: Set<string>;
  /** Words of the sold deliverables (and their first six letters), for claims about the product. */
  productWords: Set<string>;
  /** hasNegatedVerb per clause text, for this draft only. */
  negations: Map<string, boolean>;
  /** datesMentioned per clause, for this draft only. */
  dates: Map<string, string[]>;
  systems: Map<string, { names: string[]; sentence: EvidenceSentence }>;
}

interface Clause extends Span {
  sentence: EvidenceSentence;
}

interface Reading {
  side?: Side;
  /** How the speaker relates to the content. */
  mode: 'claim' | 'belief' | 'want' | 'question' | 'plain';
  /** The clause without its speaker and verb. */
  content: string;
}

/** Implied promises of a bundle (redacted first: quotes are slices of the redacted text). */
export function detectImpliedPromises(bundle: IntakeBundle): ImpliedPromise[] {
  const { bundle: redacted } = redactBundle(bundle);
  return impliedPromisesIn(analyzeDocuments(redacted), redacted);
}

export function impliedPromisesIn(docs: AnalyzedDocument[], bundle: IntakeBundle): ImpliedPromise[] {
  return checkedPromises(docs, bundle).promises;
}

/**
 * The implied promises with the feasibility check applied: a timeline promise the contract's own
 * estimate cannot meet goes beyond the contract, and cites the estimate and the kickoff target.
 */
export function checkedPromises(docs: AnalyzedDocument[], bundle: IntakeBundle): { promises: ImpliedPromise[]; infeasible: InfeasiblePromise[] } {
  const findings = promiseFindings(docs, bundle);
  const infeasible = infeasiblePromises(findings, docs, bundle);
  for (const late of infeasible) {
    late.promise.reason = 'exceeds contract';
    late.promise.sources = uniqueCitations([...late.promise.sources, ...late.sources]);
  }
  return { promises: findings.map(({ promisedBy: _d, ...promise }) => promise), infeasible };
}

export function promiseFindings(docs: AnalyzedDocument[], bundle: IntakeBundle): PromiseFinding[] {
  const contract = contractContext(docs, bundle);
  const events = datedEvents(docs);
  const promises: Array<PromiseFinding & { words: string[] }> = [];
  for (const doc of docs) {
    if (doc.contract) continue;
    const clauses = doc.sentences.flatMap((sentence) => cutSpan(doc.doc.text, sentence, CLAUSE_BREAK).map((c): Clause => ({ ...c, sentence })));
    clauses.forEach((clause, i) => {
      const promise = promiseIn(clauses, i, contract, events);
      if (!promise) return;
      const words = topicWords(promise.statement, contract);
      const same = promises.find((p) => p.category === promise.category && similar(words, p.words));
      if (same) {
        same.sources = uniqueCitations([...same.sources, ...promise.sources]);
        if (promise.reason === 'exceeds contract') same.reason = promise.reason;
        same.promisedBy ??= promise.promisedBy;
      } else {
        promises.push({ ...promise, words });
      }
    });
  }
  return promises.map(({ words: _words, ...promise }) => promise);
}

function promiseIn(clauses: Clause[], i: number, contract: ContractContext, events: Map<string, string>): PromiseFinding | null {
  const clause = clauses[i];
  const read = readClause(clause, contract);
  // Lines listed under "Recapping where I think we landed:" are the writer's understanding of the deal.
  const reading = read.mode === 'plain' && underRecap(clauses, i) ? { ...read, mode: 'belief' as const } : read;
  // "Mo is under the impression X, can you confirm?" still holds the belief.
  const tagged = reading.mode === 'belief' && TAG_QUESTION.test(clause.text);
  if (reading.mode === 'question' || (/\?\s*$/.test(clause.text) && !tagged)) return null;
  const content = tagged ? reading.content.replace(TAG_QUESTION, '') : reading.content;
  if (VAGUE_OWNER.test(clause.text) || PAID_OPTION.test(clause.text) || HEDGE.test(content)) return null;
  if (DEFERRAL.test(content)) return null;
  if (GENERIC_OTHERS.test(content) || PAST_FACT.test(content) || SALES_ADMIN.test(content) || GREETING.test(content.trim()) || LETTER_FORMULA.test(clause.text)) return null;
  const own = OWN_SIDE.exec(content.trim());
  if (own && (/^their/i.test(own[0]) ? clause.sentence.author === 'vendor' : reading.side === 'buyer')) return null;
  // "Kiosk hardware is ours to buy", "HOA approvals are on us": the buyer taking its side of a boundary.
  if (reading.side === 'buyer' && OURS.test(content)) return null;
  if (isRefusal(content, contract)) return null;
  const verdict = VERDICT.exec(content.trim());
  if (verdict && !ASSENT_VERDICT.test(verdict[1])) return null;

  let subject: Clause = clause;
  let extra: Citation[] = [];
  const empty = topicWords(content, contract).length === 0 || verdict !== null || BARE_ASSENT.test(content.trim()) || THAT_WORKS.test(content.trim());
  if (reading.side === 'vendor' && empty) {
    // "Marco assured her it can", "Ben said no problem": the content is the request it answers, the
    // clause before it or, in a reply above a quoted message, the request quoted below.
    const previous = clauses[i - 1];
    const request = previous && (previous.sentence === clause.sentence || previous.sentence.documentId === clause.sentence.documentId) ? previous : quotedRequest(clauses, i);
    if (!request) return null;
    const requestConflict = contractConflict(request, contract);
    if (BARE_ASSENT.test(content.trim()) && !requestConflict) return null;
    if (!requestConflict && backedByContract(request.text, contract)) return null;
    subject = request;
    if (request.sentence !== clause.sentence) extra = [cite(request.sentence)];
  } else if (empty) {
    return null;
  }

  // Call notes narrate ("The Kronos export runs nightly" describes the customer's setup); a product
  // claim needs a speaker: a transcript line, a reported verb, or a message the vendor wrote.
  const narrated = reading.mode === 'plain' && NARRATED_KINDS.includes(clause.sentence.kind) && !SPEAKER_LINE.test(clause.text);
  const before = clauses[i - 1]?.sentence === clause.sentence ? clauses[i - 1].text : undefined;
  const product = !narrated && productClaim(content, contract, before);
  const committed =
    (reading.side === 'vendor' && (reading.mode === 'claim' || COMMITMENT.test(content) || product || (TIME_ANSWER.test(content.trim()) && (isTimeline(content) || mentioned(clause, contract).length > 0)))) ||
    (reading.side === 'buyer' && RESTATEMENT.test(clause.text)) ||
    reading.mode === 'belief' ||
    BELIEF_ANYWHERE.test(clause.text);
  // "Grant reporting isn't something we do, but the report exports to Excel for your grant writer":
  // after a refusal in the same sentence, the excluded words are the refusal's, not a request.
  const before0 = clauses[i - 1];
  const afterRefusal = subject === clause && before0?.sentence === clause.sentence && isRefusal(readClause(before0, contract).content, contract);
  const conflict = contractConflict(subject, contract, afterRefusal);
  // A want, or a buyer stating something beyond the contract ("Priya confirmed the go-live target of
  // January 15"), is an expectation unless the vendor turned it down.
  // A buyer's plain "routing live the first week of September" sets a date the contract does not.
  const asks = reading.mode === 'want' || (reading.side === 'buyer' && (reading.mode === 'claim' || (reading.mode === 'plain' && conflict?.category === 'timeline_commitment')));
  // A request the vendor answers in the next clause is reported once, with the answer.
  const wanted = asks && conflict !== null && !refusedNext(clauses, i, contract) && !answeredNext(clauses, i, contract);
  if (!committed && !wanted) return null;
  // The contract may name the deliverable word for word and still not its date: "the corrective action
  // workflows will be up before the inspection" (May 3) promises more than a June go-live.
  const dated = isTimeline(subject.text) || TIMELINE_DELIVERY.test(subject.text);
  const early = dated ? promisedDate(subject, events, contract) : undefined;
  const timed = early !== undefined && (!contract.goLive || early < contract.goLive.date);
  if (!conflict && !timed && backedByContract(subject.text, contract, CONFIRMATION.test(clause.sentence.text) || INCLUSION.test(content))) return null;

  // "Ben said sure, mid-January works" answers "Rosa wants the scrubber live mid-January": read both.
  const previous = clauses[i - 1];
  const answers = subject === clause && reading.side === 'vendor' && ASSENT_START.test(content) && previous && previous.sentence.documentId === clause.sentence.documentId && readClause(previous, contract).side === 'buyer';
  if (answers && previous.sentence !== clause.sentence) extra = [cite(previous.sentence)];
  const categoryText = answers ? `${previous.text} ${subject.text}` : subject.text;
  const promisedBy = (dated ? early : promisedDate(subject, events, contract)) ?? (answers ? promisedDate(previous, events, contract) : undefined);
  const category = conflict?.category ?? categoryOf(categoryText, promisedBy, product);
  // A date on or after the contract's own go-live ("end of Q1 works" against March 15) asks nothing more.
  if (category === 'timeline_commitment' && !conflict && promisedBy && contract.goLive && promisedBy >= contract.goLive.date) return null;
  const reason: Reason = conflict ? 'exceeds contract' : VAGUE.test(clause.text) ? 'vague commitment' : 'not in contract';
  const sentence = clause.sentence;
  return {
    statement: sentence.text.replace(/\s+/g, ' '),
    reason,
    category,
    sources: uniqueCitations([cite(sentence), ...extra, ...(conflict ? [conflict.source] : [])]),
    ...(promisedBy ? { promisedBy } : {}),
  };
}

function readClause(clause: Clause, contract: ContractContext): Reading {
  let text = clause.text.replace(BULLET, '');
  // "Priya, to recap: …", "Dana - on the named engineer …" address someone; the speaker is the author.
  const vocative = /^([A-Z][a-z]+)\s*(?:,|\s[-\u2013\u2014])\s+/.exec(text);
  if (vocative && contract.names.has(vocative[1].toLowerCase())) text = text.slice(vocative[0].length);
  text = text.replace(/^(?:just )?(?:to confirm|to recap|as discussed|as we discussed)(?: what we discussed)?[:,]\s*/i, '');
  // "Just so we are on the same page, the fourth marina …": the writer's understanding of the deal.
  const understanding = SAME_PAGE.exec(text);
  if (understanding) return { side: clause.sentence.author, mode: 'belief', content: text.slice(understanding[0].length) };
  const author = clause.sentence.author;
  // Transcript lines: "Ben: we will send that every Monday."
  const prefix = /^([A-Z][a-z]+):\s+/.exec(text);
  let side: Side | undefined;
  if (prefix) {
    side = contract.names.get(prefix[1].toLowerCase());
    text = text.slice(prefix[0].length);
  }
  // "Our night dispatch team expects …", "our board chair is expecting …": a belief without a name.
  const group = NP_BELIEF.exec(text);
  if (!prefix && group) return { side: /^our\b/i.test(text) ? author : 'buyer', mode: 'belief', content: text.slice(group[0].length) };
  // Roles stand for people in deal notes: "AE committed to …", "Customer asked for 24/7 support".
  const role = !prefix ? VENDOR_ROLE.exec(text) ?? BUYER_ROLE.exec(text) : null;
  if (role) return modeOf(text.slice(role[0].length), VENDOR_ROLE.test(text) ? 'vendor' : 'buyer');
  // An intake form's "Expected go-live: …" is what the buyer asks for.
  const field = FIELD_WANT.exec(text);
  if (!prefix && field) return { side: side ?? author, mode: 'want', content: text.slice(field[0].length) };
  const named = /^(?:(?:and|then|so)\s+)?([A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?\s+/.exec(text);
  const namedSide = named ? contract.names.get(named[1].toLowerCase()) : undefined;
  if (named && namedSide) {
    side = namedSide;
    return modeOf(text.slice(named[0].length), side);
  }
  const pronoun = /^(?:we|i)\s+/i.exec(text);
  if (!side && pronoun) side = author;
  if (!side && /^(?:you|your)\b/i.test(text)) side = author === 'buyer' ? 'vendor' : 'buyer';
  if (!side && /^(?:she|he|they)\s+/i.test(text)) {
    const m = /^(?:she|he|they)\s+/i.exec(text)!;
    const rest = modeOf(text.slice(m[0].length), undefined);
    // "She said …" reports someone named earlier: a belief or a want still counts, a claim is nobody's.
    return rest.mode === 'belief' || rest.mode === 'want' ? rest : { ...rest, side: undefined };
  }
  const reading = modeOf(pronoun ? text.slice(pronoun[0].length) : text, side ?? author);
  return pronoun && reading.mode === 'plain' ? { ...reading, content: text } : reading;
}

function modeOf(rest: string, side: Side | undefined): Reading {
  if (QUESTION.test(rest)) return { side, mode: 'question', content: rest };
  const reported = REPORTING.exec(rest);
  if (reported) {
    const content = rest.slice(reported[0].length);
    // "Hannah said she wondered if we could add client invoicing later": a question, reported.
    if (QUESTION.test(content.replace(/^(?:she|he|they|we|i)\s+/i, ''))) return { side, mode: 'question', content };
    // "Dana mentioned they may want …", "Ian mentioned they expect …": a belief behind the report.
    if (PRONOUN_BELIEF.test(content)) return { side: 'buyer', mode: /want|need/i.test(content.split(/\s+/).slice(1, 4).join(' ')) ? 'want' : 'belief', content };
    // "Ivy mentioned they are adding 5 studios and assumes those are covered": the report holds a belief.
    if (LATER_BELIEF.test(content)) return { side, mode: 'belief', content };
    return { side, mode: 'claim', content };
  }
  const belief = BELIEF.exec(rest);
  if (belief) return { side, mode: 'belief', content: rest.slice(belief[0].length) };
  const want = WANT.exec(rest);
  if (want) return { side, mode: 'want', content: rest.slice(want[0].length) };
  if (PRONOUN_BELIEF.test(rest)) return { side, mode: /want|need/i.test(rest.split(/\s+/).slice(1, 4).join(' ')) ? 'want' : 'belief', content: rest };
  return { side, mode: 'plain', content: rest };
}

// A refusal or an acknowledged boundary. compromise decides whether a negation word negates the
// clause's verb ("we cannot offer", "does not expect") rather than sitting in a phrase ("no problem").
// Only the main clause counts: "so front desks can see who hasn't confirmed" refuses nothing.
function isRefusal(content: string, contract: ContractContext): boolean {
  const main = content.split(SUBORDINATE)[0];
  if (BARE_NO.test(main.trim()) || BOUNDARY.test(main) || NEGATED_AUXILIARY.test(main)) return true;
  if (!NEGATION_WORD.test(main) || HARMLESS_NO.test(main)) return false;
  // compromise is the costliest step of a draft; a clause is often asked again (refusedNext).
  let negated = contract.negations.get(main);
  if (negated === undefined) contract.negations.set(main, (negated = hasNegatedVerb(main)));
  return negated;
}

// Putting an answer off ("we'll know after discovery", "we'll have a better sense once the data is
// mapped") promises nothing.
const DEFERRAL = /^(?:we|i)(?:'ll| will| hope to| expect to| should| can)? (?:know|see|(?:have|give you|share|set) (?:a |the )?(?:(?:better|clearer) )?(?:sense|idea|view|date|dates|timeline|plan)|be able to say|confirm (?:the )?(?:date|dates|timing|timeline))\b[^.;]{0,40}\b(?:after|once|when|following)\b/i;
// "told him that works": an assent whose only word is the verdict; what it assents to is the clause before.
const THAT_WORKS = /^(?:(?:that|this|it)\s+)?(?:works|is (?:doable|fine|realistic|achievable))(?: for (?:us|them|me|him|her))?[.!]?$/i;

// A negated auxiliary is a negated verb without asking compromise.
const NEGATED_AUXILIARY = /\b(?:is|are|was|were|has|have|had|did|could|would|should)\s+not\b|\b(?:isn't|aren't|wasn't|weren't|hasn't|haven't|hadn't|didn't|couldn't|wouldn't|shouldn't)\b/i;

const SUBORDINATE = /,?\s+(?:so|so that|who|which|because|since|whereas|although|though)\s+/i;
// "not at the moment, only SMS", "no, that stays with them": an answer that starts by saying no.
const BARE_NO = /^(?:no|nope|not)\b(?![\s-]+(?:problem|worries|issue|extra|additional|a problem|only|just|bad|cost|charge))/i;

// The request a reply answers when it sits above the quoted message ("sure, we'll do it" over
// "-----Original message----- … Can you also switch on the family portal?").
function quotedRequest(clauses: Clause[], i: number): Clause | undefined {
  const doc = clauses[i].sentence.documentId;
  const marker = clauses.findIndex((c, j) => j > i && c.sentence.documentId === doc && QUOTED_REPLY.test(c.text));
  if (marker < 0) return undefined;
  return clauses.slice(marker + 1).find((c) => c.sentence.documentId === doc && (/\?\s*$/.test(c.text) || REQUEST.test(c.text)));
}

// "As promised, here is where we landed": a letter's opening, whatever the words.
const LETTER_FORMULA = /^(?:as promised|as discussed|as requested|per your request|following up)[,:]?\s+(?:here(?:'s| is| are)|attached|below|please find|i(?:'m| am) (?:sending|attaching))\b/i;
const GREETING = /^(?:(?:it was |it's |so )?(?:great|nice|good|lovely) (?:to (?:meet|see|talk|chat|speak)|meeting|talking|chatting|speaking)|(?:a )?pleasure (?:to meet|meeting|talking)|hope you(?:'re| are)? (?:well|doing)|thanks? (?:you )?for (?:the|your) (?:time|call|meeting|session))\b[^.!?;]{0,40}[.!]?$/i;
// Paperwork of the sale ("Ben will send the redlined order form Friday") is not delivery work.
const SALES_ADMIN = /\b(?:send|share|forward|sign|countersign|email|get you)\b[^.;]{0,30}\b(?:order form|sow|contract|proposal|quote|pricing|redline[sd]?|invoice|msa|paperwork|docusign|signature)\b/i;
const BULLET = /^(?:[-*\u2022\u2013]|\d{1,2}[.)])\s+/;
const RECAP_LEAD = /\b(?:recap\w*|to confirm|summary|where (?:i think )?we landed|what we agreed|as agreed|my understanding|our understanding)\b[^.]*:\s*$/i;

function underRecap(clauses: Clause[], i: number): boolean {
  if (!BULLET.test(clauses[i].text)) return false;
  for (let j = i - 1; j >= 0 && clauses[j].sentence.documentId === clauses[i].sentence.documentId; j--) {
    if (RECAP_LEAD.test(clauses[j].text)) return true;
    if (!BULLET.test(clauses[j].text)) return false;
  }
  return false;
}

const REQUEST = /\b(?:can|could|would|will) you\b|\bplease\b|\bwe(?:'d| would) (?:also )?like\b/i;

// What the product does, said in the present tense by the vendor ("the permit board pulls status
// from all 40 county portals", "if a shoot moves, the call sheets regenerate"): a capability claim.
// The subject must name something the contract sells, so narration ("the customer wants") is not one.
const PRODUCT_PRESENT = /^(?:(?:yes|yeah|yep|sure|right|and|so|plus|also|correct)[,!.]?\s+)*((?:the|our|your|its|this|that|each|every|all(?:\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten))?)\s+)?((?:(?!(?:to|will|would|should|must|might|may|could|can|was|were|had|did)\b)[\w-]+\s+){1,5}?)(?:(?:also|automatically|already|just|even|still|now)\s+)?(?:[a-z][\w-]*[^s\s'\W]s|is|are|(?:can|will|would|could)\s+\w+)\b/i;
const CONDITION = /^(?:if|when|whenever|once|as soon as)\s+[^,]{3,60},\s*/i;

function productClaim(content: string, contract: ContractContext, before?: string): boolean {
  const text = content.trim().replace(CONDITION, '');
  // "Omar asked if the portal checks insurance; Tom said it pulls the certificates": "it" is the product
  // the clause before names.
  const pronoun = /^(?:(?:yes|yeah|yep|sure)[,!.]?\s+)?(?:it|they)\s+(?:(?:also|automatically|already|just)\s+)?(?:[a-z][\w-]*[^s\s'\W]s|is|are|(?:can|will|does|do)\s+\w+)\b/i;
  if (before && pronoun.test(text)) {
    return contentWords(before).some((w) => contract.productWords.has(w) || (w.length >= 6 && contract.productWords.has(w.slice(0, 6))));
  }
  const m = PRODUCT_PRESENT.exec(text);
  // The product may be named just after the verb: "all three channels are forecast in one model".
  if (!m) return false;
  // Without a determiner ("inbox flags mismatched hours", notes shorthand) the subject itself names the product.
  const head = m[1] ? text.slice(0, m[0].length).concat(' ', text.slice(m[0].length).split(/\s+/).slice(0, 3).join(' ')) : m[2];
  return contentWords(head).some((w) => contract.productWords.has(w) || (w.length >= 6 && contract.productWords.has(w.slice(0, 6))));
}

function answeredNext(clauses: Clause[], i: number, contract: ContractContext): boolean {
  const next = clauses[i + 1];
  if (!next || next.sentence.documentId !== clauses[i].sentence.documentId) return false;
  const reading = readClause(next, contract);
  if (reading.side !== 'vendor' || isRefusal(reading.content, contract)) return false;
  if (ASSENT_START.test(reading.content.trim())) return true;
  // "Henrik wants alerts working before the audit. Jon: I'll make sure the alerts are live for the audit."
  const asked = new Set(topicWords(clauses[i].text, contract));
  return (COMMITMENT.test(reading.content) || DATE_ASSENT.test(reading.content)) && topicWords(reading.content, contract).some((w) => asked.has(w));
}

// A request the vendor turned down in the next sentences ("Paula would also like OSHA filings
// handled. Marco said we cannot file with OSHA.") is a boundary, not a promise.
function refusedNext(clauses: Clause[], i: number, contract: ContractContext): boolean {
  const words = new Set(topicWords(clauses[i].text, contract));
  // The answer right after may point back ("Greg said that would be a change order").
  const next = clauses[i + 1];
  if (next && next.sentence.documentId === clauses[i].sentence.documentId && readClause(next, contract).side === 'vendor' && PAID_OPTION.test(next.text)) return true;
  return clauses.slice(i + 1, i + 4).some((c) => c.sentence.documentId === clauses[i].sentence.documentId && isRefusal(c.text, contract) && topicWords(c.text, contract).some((w) => words.has(w)));
}

function categoryOf(text: string, promisedBy: string | undefined, productPresent = false): PromiseCategory {
  // "during the first quarter" beside a support word is when support runs, not a delivery date.
  if (TIMELINE.test(text) || (TIMELINE_MORE.test(text) && !SUPPORT.test(text))) return 'timeline_commitment';
  // "the portal will also track volunteer shifts": something more than what was sold.
  if (ALSO_MORE.test(text)) return 'scope_promise';
  // "the forecast pulls in depletion data every night": what the product does, whatever it names,
  // unless it says when the product will be ready ("scheduling will be ready the week of May 10").
  if (productPresent && !(promisedBy && (TIMELINE_DELIVERY.test(text) || EVENT_DEADLINE.test(text) || /\b(?:by|no later than)\b/i.test(text)))) return 'feasibility';
  if (SUPPORT.test(text)) return 'support_expectation';
  // "add the two new properties opening in March": more work, whatever date it carries.
  if (MORE_SCOPE.test(text)) return 'scope_promise';
  if (promisedBy && (TIMELINE_DELIVERY.test(text) || DATED_EVENT.test(text) || DATE_ASSENT.test(text) || /\b(?:by|before|ahead of|until|in|on)\b/i.test(text))) return 'timeline_commitment';
  // "rating will handle 50 million events a day": a capacity or capability, not more work.
  if (CAPABILITY.test(text)) return 'feasibility';
  if (SCOPE.test(text)) return 'scope_promise';
  return 'feasibility';
}

// The date a clause points at: a calendar or relative date in it, else the date of an event it
// names ("before the board meeting" -> the board meets on December 15).
function promisedDate(clause: Clause, events: Map<string, string>, contract: ContractContext): string | undefined {
  const own = mentioned(clause, contract);
  if (own.length > 0) return own[0];
  for (const [event, date] of events) if (new RegExp(`\\b${event}\\b`, 'i').test(clause.text)) return date;
  return undefined;
}

/** Events the evidence dates ("the board meets on December 15"): event word -> ISO date. */
export function datedEvents(docs: AnalyzedDocument[]): Map<string, string> {
  const events = new Map<string, string>();
  for (const doc of docs) {
    if (doc.crm) continue;
    for (const sentence of doc.sentences) {
      const m = DATED_EVENT.exec(sentence.text);
      if (!m) continue;
      const date = sentenceDates(sentence)[0];
      const word = m[0].toLowerCase().split(' ')[0];
      if (date && !events.has(word)) events.set(word, date);
    }
  }
  return events;
}

interface Conflict {
  category: PromiseCategory;
  /** The contract clause the statement goes beyond. */
  source: Citation;
}

// Goes beyond a limit the contract states: an exclusion, a history cut-off, a count, support
// hours, the contracted go-live date, or a named system the contract names differently.
function contractConflict(clause: Clause, contract: ContractContext, skipExclusions = false): Conflict | null {
  const text = clause.text;
  const words = new Set(contentWords(text).map((w) => MOVED[w] ?? w));
  for (const item of skipExclusions ? [] : contract.notSold) {
    // Words the sold scope shares ("driver payroll" beside "routes for 150 drivers") tell nothing apart.
    const allWords = contentWords(item.item).filter((w) => !CUE_WORDS.has(w)).map((w) => MOVED[w] ?? w);
    const distinct = allWords.filter((w) => !contract.productWords.has(w));
    const itemWords = distinct.length > 0 ? distinct : allWords;
    const need = itemWords.length >= 2 ? 0.5 : 1;
    // A shared generic word ("support" of "weekend support", "work" of "on-site work") is not the item.
    // The item's head noun names it ("portal" of "dentist portal"); a generic head ("support", "work")
    // leaves the naming to the words before it.
    const head = itemWords[itemWords.length - 1];
    const hits = itemWords.filter((w) => words.has(w));
    const telling = itemWords.length === 1 || hits.length >= 2 || (GENERIC_WORDS.has(head) ? hits.some((w) => w !== head) : hits.includes(head));
    if (itemWords.length >= 1 && overlap(itemWords, words) >= need && telling && itemWords.some((w) => w.length > 3)) return { category: 'scope_promise', source: item.quote };
  }
  if (HISTORY.test(text)) {
    const asked = Math.max(0, ...extractDurations(text));
    const limit = contract.limits.find((l) => asked > l.months);
    if (limit) return { category: 'scope_promise', source: limit.source };
  }
  for (const q of [...extractQuantities(text), ...ordinals(text)]) {
    const sold = contract.counts.get(q.thing);
    if (sold && q.count > sold.count) return { category: 'scope_promise', source: cite(sold.sentence) };
  }
  const hours = contract.supportHours;
  if (hours && EXTENDED_SUPPORT.test(text) && /\bsupport|available|on[- ]?call|cover|on[- ]?site|answer|respond|staff|phone|calls?\b|escalat|person\b/i.test(text) && extendedKinds(text).some((k) => !extendedKinds(hours.text).includes(k))) {
    return { category: 'support_expectation', source: cite(hours) };
  }
  // Anything delivered before the contract's go-live ("routing done by mid-April") is early.
  if (contract.goLive && (dateFactOf(text) === 'go_live' || DELIVERED.test(text))) {
    const date = mentioned(clause, contract)[0];
    if (date && date < contract.goLive.date) return { category: 'timeline_commitment', source: cite(contract.goLive.sentence) };
  }
  for (const [kind, sold] of contract.systems) {
    const m = new RegExp(`\\b(${SYSTEM_NAME}(?:\\s${SYSTEM_NAME}){0,2})\\s+${kind}\\b`).exec(text);
    if (m && /\binstead of\b/i.test(text) && !sold.names.some((n) => n.includes(m[1]) || m[1].includes(n))) return { category: 'scope_promise', source: cite(sold.sentence) };
  }
  return null;
}

// A clause is asked for its dates from several rules; chrono reads it once per draft.
function mentioned(clause: Clause, contract: ContractContext): string[] {
  const key = `${clause.sentence.capturedAt}\u0000${clause.text}`;
  let dates = contract.dates.get(key);
  if (!dates) contract.dates.set(key, (dates = datesMentioned(clause.text, clause.sentence.capturedAt)));
  return dates;
}

function ordinals(text: string): Array<{ thing: string; count: number }> {
  const out: Array<{ thing: string; count: number }> = [];
  ORDINAL.lastIndex = 0;
  // "the second brewhouse in Asheville", "a third Kronos instance": the thing is one of the next two words.
  for (let m = ORDINAL.exec(text); m; m = ORDINAL.exec(text)) {
    for (const thing of [m[2], m[3]]) if (thing) out.push({ thing: thing.toLowerCase(), count: ORDINALS[m[1].toLowerCase()] });
  }
  return out;
}

// A statement is backed when one contract sentence carries (nearly) all of its content words; a
// confirmation ("to recap: …") may spread over the contract's sentences.
function backedByContract(text: string, contract: ContractContext, confirmation = false): boolean {
  // How and when the work is done ("we'll configure the three dashboards in the first month") does
  // not change what is done.
  const words = topicWords(text, contract).filter((w) => !DOING_WORDS.has(w));
  if (words.length === 0) return false;
  if (confirmation && overlap(words, contract.allWords) >= 0.66) return true;
  return contract.sentenceWords.some((set) => overlap(words, set) >= 0.75);
}

// Moving data in, however it is said: "the 2025 payroll years loaded" asks for "data migration".
const MOVED: Record<string, string> = Object.fromEntries(
  ['load', 'loaded', 'import', 'imported', 'migrate', 'migrated', 'migration', 'backfill', 'backfilled', 'convert', 'converted', 'conversion'].map((w) => [w, 'migration']),
);

// Names of the same deliverable: "the UltraTax connector" is the order form's "UltraTax CS integration".
const SYNONYMS: Record<string, string> = { connector: 'integration', interface: 'integration', sync: 'integration', feed: 'integration' };

const DOING_WORDS = new Set(contentWords('configure configured set setup build built deliver delivered provide implement create install get have make give first month week phase during'));

function topicWords(text: string, contract: ContractContext): string[] {
  return contentWords(text).filter((w) => !CUE_WORDS.has(w) && !contract.nameWords.has(w)).map((w) => SYNONYMS[w] ?? w);
}

const similar = (a: string[], b: string[]): boolean =>
  a.length > 0 && b.length > 0 && Math.max(overlap(a, new Set(b)), overlap(b, new Set(a))) >= 0.6;

function contractContext(docs: AnalyzedDocument[], bundle: IntakeBundle): ContractContext {
  const sentences = docs.filter((d) => d.contract && !d.crm).flatMap((d) => d.sentences);
  const counts = new Map<string, { count: number; sentence: EvidenceSentence }>();
  const limits: ContractContext['limits'] = [];
  const notSold = [...notSoldClauses(docs.filter((d) => d.contract)), ...declaredNotSold(docs)];
  // A history cut-off is cited by its own clause when the contract lists it as an exclusion.
  for (const clause of notSold) {
    if (!HISTORY.test(clause.item)) continue;
    for (const months of extractDurations(clause.item)) limits.push({ months, source: clause.quote });
  }
  let goLive: ContractContext['goLive'];
  const systems: ContractContext['systems'] = new Map();
  for (const sentence of sentences) {
    for (const q of extractQuantities(sentence.text)) if (!counts.has(q.thing)) counts.set(q.thing, { count: q.count, sentence });
    if (limits.length === 0 && HISTORY.test(sentence.text) && LIMIT_WORDS.test(sentence.text)) {
      for (const months of extractDurations(sentence.text)) limits.push({ months, source: cite(sentence) });
    }
    if (!goLive && dateFactOf(sentence.text) === 'go_live') {
      const date = sentenceDates(sentence)[0];
      if (date) goLive = { date, sentence };
    }
    for (const kind of NAMED_SYSTEM_KINDS) {
      const re = new RegExp(`\\b(${SYSTEM_NAME}(?:\\s${SYSTEM_NAME}){0,2})\\s+${kind}\\b`, 'g');
      for (let m = re.exec(sentence.text); m; m = re.exec(sentence.text)) {
        const entry = systems.get(kind) ?? { names: [], sentence };
        entry.names.push(m[1]);
        systems.set(kind, entry);
      }
    }
  }
  const names = new Map<string, Side>();
  const vendorPeople = [...Object.values(bundle.owners).flatMap((p) => (p ? [p.name] : [])), ...bundle.stakeholders.filter((s) => s.side !== 'buyer').map((s) => s.name)];
  for (const n of vendorPeople) names.set(firstName(n), 'vendor');
  for (const s of bundle.stakeholders.filter((s) => s.side === 'buyer')) names.set(firstName(s.name), 'buyer');
  names.set(bundle.customer.name.split(/\s+/)[0].toLowerCase(), 'buyer');
  const allNames = [...vendorPeople, ...bundle.stakeholders.map((s) => s.name)];
  return {
    sentenceWords: sentences.map((s) => new Set(contentWords(s.text).map((w) => SYNONYMS[w] ?? w))),
    allWords: new Set(sentences.flatMap((s) => contentWords(s.text).map((w) => SYNONYMS[w] ?? w))),
    notSold,
    limits,
    counts,
    supportHours: sentences.find((s) => BUSINESS_HOURS.test(s.text)),
    goLive,
    names,
    nameWords: new Set(contentWords(allNames.join(' ')).concat(contentWords(bundle.customer.name))),
    productWords: productWordsOf(docs),
    negations: new Map(),
    dates: new Map(),
    systems,
  };
}

// "Dr. Helen Moore" is addressed as Helen.
const firstName = (name: string): string => name.replace(/^(?:dr|mr|mrs|ms|prof)\.?\s+/i, '').split(/\s+/)[0].toLowerCase();

// Service words name work people do, not the product: "training covers all 30 staff" is scope.
const SERVICE_WORDS = new Set(contentWords('customer client team staff support training session hour service setup configuration onboarding workshop consulting up'));

const GENERIC_WORDS = new Set([...SERVICE_WORDS, ...contentWords('work works data report reports system systems time')]);

function productWordsOf(docs: AnalyzedDocument[]): Set<string> {
  const words = new Set<string>();
  for (const clause of soldScopeClauses(docs)) {
    for (const w of contentWords(clause.item)) {
      if (SERVICE_WORDS.has(w) || /^\d/.test(w)) continue;
      words.add(w);
      if (w.length >= 6) words.add(w.slice(0, 6));
    }
    // "e-filing intake" also names "filing" (the stemmer reads "e-filing" as one word).
    for (const part of clause.item.toLowerCase().split(/[^a-z0-9]+/)) if (part.length > 2 && !SERVICE_WORDS.has(part)) words.add(part);
  }
  return words;
}
