/** Public surface of the quality engine. */
export {
  CATALOGUE_VERSION,
  RULES,
  RETIRED_CODES,
  CHECKS,
  GATE_RULES,
  INGEST_CHECKS,
  ruleByCode,
  catalogueProblems,
  policyProblems,
} from './catalogue.js';
export {
  checkBatch,
  checkInMemory,
  checkStored,
  keysOf,
  prejudge,
  type Prejudged,
  type QualityResult,
} from './engine.js';
export type { QualityLookups } from './lookups.js';
export { hintOf } from './hints.js';
export { BatchSink, effectiveSeverity } from './sink.js';
export { categoryOf, findingOf } from './findings.js';
export { readsAsSender, senderView } from './sender-view.js';
export { prepareCanonical, prepareCanonicalBatch } from './prepare.js';
export {
  DEFAULT_QUALITY_CONFIG,
  deadlineOf,
  policyDigest,
  type QualityConfig,
  type QualityPolicy,
} from './config.js';
export type {
  ActiveHolder,
  IdHolder,
  LastSync,
  Owners,
  SchoolFacts,
  StoreFacts,
  StoredRecord,
  WebsiteProbe,
} from './rules/define.js';
export { twinKey } from './rules/sach-duplicates.js';
export { WEBSITE_DOWN, WEBSITE_NO_RSS, websiteRulesOf } from './rules/song-website.js';
export {
  CRITERIA,
  type BatchContext,
  type Category,
  type Criterion,
  type Gate,
  type Finding,
  type Rec,
  type RuleInfo,
  type RuleScope,
  type Severity,
  type Text,
} from './types.js';
export {
  bandOf,
  ratioOf,
  scorecards,
  type Band,
  type DeadlineProgress,
  type Level,
  type Ratio,
  type SchoolCounts,
  type Scorecard,
} from './scorecards.js';
