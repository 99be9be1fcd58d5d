/**
 * The scopes each role gets when its client is created naming none (src/store/clients.ts DEFAULT_SCOPES). walk6b W6b-1:
 * a PCGD officer was given `batches:read`, whose routes (GET /v1/batches/{id}, its findings, a school's batch list)
 * each read a batch of a school the caller holds, and an officer holds no school: 404 and 403 for every batch, a
 * scope that opened nothing, listed to the officer as its own (README, the dashboard's no-page page).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../../src/store/clients.js';

/** Scopes whose every route is bound to a school the client holds (a city admin reads any school). */
const SCHOOL_BOUND = ['batches:write', 'batches:read', 'records:read', 'webhooks'];

describe('default scopes', () => {
  it('a role without schools (PCGD officer, auditor) holds no school-bound scope', () => {
    for (const role of ['pcgd-officer', 'auditor'] as const)
      expect(DEFAULT_SCOPES[role].filter((s) => SCHOOL_BOUND.includes(s))).toEqual([]);
  });

  it("an officer's are its figures' and its units' quality", () => {
    expect(DEFAULT_SCOPES['pcgd-officer']).toEqual(['pcgd:read', 'pcgd:write', 'quality:read']);
  });
});
