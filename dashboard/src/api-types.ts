/**
 * The JSON the dashboard reads, as the API's contract says it: types from the generated client of
 * openapi/truc.v1.json (`npm run openapi:export`), so the page and the server cannot drift apart.
 */
import type { components, operations } from '../../packages/client/src/generated/truc.v1.js';

type Schemas = components['schemas'];

export type Overview = Schemas['OpsOverview'];
export type Schedule = Schemas['Schedule'];
export type School = Schemas['OpsSchool'];
export type SyncRun = Schemas['OpsSyncRun'];
export type DeadLetter = Schemas['DeadLetter'];
export type HoldSummary = Schemas['GuardHoldSummary'];
export type Hold = Schemas['GuardHold'];
export type Scorecard = Schemas['QualityScorecard'];
export type Ratio = Scorecard['overall'];
export type WebsiteProbe = Schemas['WebsiteProbe'];
/** GET /v1/ops/schools/{schoolCode}: a school with its latest batches, findings by rule and sync runs. */
export type SchoolDetail = operations['school']['responses'][200]['content']['application/json'];
