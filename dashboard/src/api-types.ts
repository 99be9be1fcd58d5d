/**
 * The JSON the dashboard reads, as the API's contract says it: types from the generated client of
 * openapi/truc.v1.json (`npm run openapi:export`), so the page and the server cannot drift apart.
 */
import type { components, operations } from '../../packages/client/src/generated/truc.v1.js';

type Schemas = components['schemas'];

export type Overview = Schemas['OpsOverview'];
/** GET /v1/me: who the signed-in client is (its display name for the header). */
export type Me = Schemas['Me'];
export type Schedule = Schemas['Schedule'];
export type School = Schemas['OpsSchool'];
export type SyncRun = Schemas['OpsSyncRun'];
/** GET /v1/syncs's run (the sync runs page's list: filtered by entity and date, paged). */
export type ListedRun = Schemas['SyncRunListed'];
export type DeadLetter = Schemas['DeadLetter'];
export type HoldSummary = Schemas['GuardHoldSummary'];
export type Hold = Schemas['GuardHold'];
export type Scorecard = Schemas['QualityScorecard'];
export type QualityRun = Schemas['QualityRun'];
export type Ratio = Scorecard['overall'];
export type WebsiteProbe = Schemas['WebsiteProbe'];
/** GET /v1/batches/{id}: a batch's status, counts and deliveries (the batch page, dash9). */
export type BatchView = Schemas['BatchStatus'];
/** GET /v1/batches/{id}/findings: a page of its findings, and their counts (the contract's, not a copy: dash10). */
export type FindingsPage = operations['getFindings']['responses'][200]['content']['application/json'];
/** GET /v1/syncs/{id}: a run, with its batches that rejected records. */
export type ShownRun = Schemas['SyncRunShown'];
/** GET /v1/ops/schools/{schoolCode}: a school with its latest batches, findings by rule and sync runs. */
export type SchoolDetail = operations['school']['responses'][200]['content']['application/json'];

type Query<O extends keyof operations> = NonNullable<operations[O]['parameters']['query']>;

/**
 * A list of the values a query field of the API takes (its closed set, union `U`), checked both ways by the
 * compiler: nothing else (`L extends readonly U[]`) and none missing (a second argument is asked for, naming what
 * is missing), so a filter's choices follow the API's spec when it changes.
 */
const every =
  <U extends string>() =>
  <const L extends readonly U[]>(
    list: L,
    ..._complete: [Exclude<U, L[number]>] extends [never] ? [] : [missing: Exclude<U, L[number]>]
  ): L =>
    list;

/** The queues GET /v1/dead-letters?queue= takes (the job table's QUEUE_NAMES), sorted. */
export const QUEUES = every<NonNullable<Query<'list'>['queue']>>()([
  'change-purge',
  'ingest',
  'pcgd',
  'pull',
  'push.hcm-csdl',
  'push.moet-pcgd',
  'push.smas',
  'push.vnedu',
  'quality',
  'schedules',
  'webhooks',
  'website-probe',
]);

/** The systems GET /v1/ops/sync-runs?system= takes (src/config/names.ts SYSTEM_NAMES). */
export const SYSTEMS = every<NonNullable<Query<'syncRuns'>['system']>>()([
  'hcm-csdl',
  'moet-pcgd',
  'smas',
  'vnedu',
]);

/** The entities GET /v1/syncs?entity= takes (src/config/names.ts ENTITY_NAMES). */
export const ENTITIES = every<NonNullable<Query<'listSyncs'>['entity']>>()([
  'schools',
  'classes',
  'students',
  'staff',
  'persons',
]);

/** A sync run's statuses as shown (GET /v1/ops/sync-runs?status=). */
export const RUN_STATUSES = every<NonNullable<Query<'syncRuns'>['status']>>()([
  'queued',
  'running',
  'held',
  'done',
  'failed',
]);

/** A guard hold's statuses (GET /v1/guard/holds?status=). */
export const HOLD_STATUSES = every<NonNullable<Hold['status']>>()([
  'held',
  'approved',
  'rejected',
  'superseded',
]);
