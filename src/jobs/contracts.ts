/**
 * Job contracts: the queue, name and zod payload of every job (`./contract-table.ts`), and the ways to
 * ask for work, each writing its outbox row in the caller's transaction (`./requests.ts`, `./guard-decide.ts`,
 * `./schedule-control.ts`, `./persons-pull.ts`; the relay turns rows into queue jobs). The API and other producers import
 * this module, never a processor: it knows no mapping, adapter or job logic. Payloads carry ids only,
 * never records or personal data.
 */
export * from './contract-table.js';
export * from './request-checks.js';
export * from './requests.js';
export * from './guard-decide.js';
export * from './schedule-control.js';
export { requestQualityRun } from './quality-schedule.js';
export * from './persons-pull.js';
export { IGNORED_FIELDS_MAX } from './ignored-fields.js';
