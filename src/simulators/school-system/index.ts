/**
 * What a per-school vendor simulator (SMAS, vnEdu) builds on: the frame that serves it, the batch wire
 * format it describes, its data side and the query-parameter and refusal helpers of its listings.
 */
export type { BatchSpec } from './batch.js';
export type { SchoolSystemData } from './data.js';
export { intParam, refuse, timeParam, type Refusal } from './http.js';
export { startSchoolSimulator, type SchoolSimOptions, type SchoolSimulator } from './simulator.js';
