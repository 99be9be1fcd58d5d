/**
 * The PCGD report service, as the API, the jobs and the CLI use it: one entry point over the modules
 * that do the work — unit.ts (which units), compute.ts (figures from the store), lifecycle.ts
 * (compute, reopen, submit, receipt; audited), approve.ts (sign and lock), views.ts (what a report
 * shows, its package).
 */
export { ENROLLED_STATUSES, type EnrolmentCounts, type StoredFigures } from './compute.js';
export { approveReport, signerFor } from './approve.js';
export * from './lifecycle.js';
export { NOT_PULLED, unitPullState, type PersonsPullState } from './persons-pulled.js';
export { ruleSetOf } from './rule-set.js';
export { sourcesNow, type SourcesNow } from './sources.js';
export { unitOf, type UnitLevel } from './unit.js';
export { enrolmentMismatches, lineageSelection, reportView } from './views.js';
