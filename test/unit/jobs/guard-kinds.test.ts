/**
 * guard3 item 1: a vendor batch held because it restores many deleted records said `guard.kinds: ['changed']` (the
 * kinds had no 'restored'; a restore is weighed as a change, restoreguard, and its reason is a `changed` one whose
 * `restored` counts them). Now its status (and its dry run, the same rule: src/store/guard-hold-diff.ts `guardKinds`)
 * says `restored` when restores alone held it, `changed` and `restored` when some of its changes are restores.
 */
import { describe, expect, it } from 'vitest';
import { batchView } from '../../../src/jobs/batch-status.js';
import type { Batch } from '../../../src/store/batches.js';
import type { HoldReason } from '../../../src/store/guard-hold-diff.js';

const batch = {
  ...{
    id: '00000000-0000-4000-8000-000000000031',
    clientId: 'c',
    schoolCode: '79000001',
    entity: 'students',
  },
  ...{
    format: 'canonical',
    status: 'failed',
    received: 39,
    accepted: 0,
    rejected: 0,
    unchanged: 0,
    deleted: 0,
  },
  ...{ errorCode: null, createdAt: new Date('2026-12-06T07:59:00Z'), finishedAt: null, mode: 'delta' },
  ...{
    syncRunId: null,
    mappingPin: null,
    bodySha256: null,
    sameAs: null,
    recordsPurgedAt: null,
    ignoredFields: null,
  },
} as Batch;

const reason = (r: Partial<HoldReason>): HoldReason => ({
  ...{ school: '79000001', kind: 'changed', count: 39, live: 40, ratio: 0.975, threshold: 0.5 },
  ...r,
});
const kindsOf = (reasons: HoldReason[]) =>
  batchView(batch, [], {
    ...{ id: 7, status: 'held', reasons, decidedAt: null, decisionReason: null, appliedAt: null },
    totals: { live: 40, deleted: 0, moved: 0, changed: 0, restored: 39 },
  }).guard?.kinds;

describe('guard3 item 1: a held batch’s kinds name its restores', () => {
  it('restores alone: restored (was changed)', () => {
    expect(kindsOf([reason({ restored: 39 })])).toEqual(['restored']);
  });

  it('some of its changes restores: changed and restored', () => {
    expect(kindsOf([reason({ count: 24, restored: 5 })])).toEqual(['changed', 'restored']);
  });

  it('no restores: as before', () => {
    expect(kindsOf([reason({ kind: 'deleted', count: 13 }), reason({ count: 24 })])).toEqual([
      'deleted',
      'changed',
    ]);
  });
});
