/**
 * A target's refusal code as kept with a push set and shown to the batch's vendor (src/errors.ts `foreignCode`,
 * src/store/push-sets.ts `markDelivered`): a code only, never the free text a target may put there (it may hold
 * personal data).
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.js';
import { foreignCode as refusalCode } from '../../../src/errors.js';
import { createPushSetsRepo } from '../../../src/store/push-sets.js';

describe('a target refusal code', () => {
  it('is kept when it looks like a code', () => {
    for (const code of [
      'INVALID_CODE',
      'E42',
      'ERR.SCHEMA-1',
      'school_mismatch',
      'missing_school',
      'A'.repeat(64),
    ])
      expect(refusalCode(code)).toBe(code);
  });

  it('is dropped (null) when it is free text, a number or date (an ID, a phone), empty, too long or absent', () => {
    for (const code of [
      'Học sinh Nguyễn Văn An đã tồn tại',
      'INVALID CODE',
      '079219001234',
      '0912345678',
      '2019-03-04',
      '_X',
      'E42: 079219001234',
      // review11: a personal ID behind a letter is a value, not a code
      'A079219001234',
      'DUP_079219001234',
      '',
      'A'.repeat(65),
      null,
      undefined,
    ])
      expect(refusalCode(code)).toBeNull();
  });

  it('is stored filtered: a free-text code is kept as null with its key', async () => {
    const sent: unknown[] = [];
    const q: Queryable = {
      async query(_sql, params) {
        sent.push(params?.[1]);
        return { rows: [], rowCount: 1 };
      },
    };
    await createPushSetsRepo(q).markDelivered(7, {
      accepted: 1,
      rejected: 2,
      receiptId: null,
      refused: [
        { key: 'S1', code: 'DUPLICATE_KEY' },
        { key: 'S2', code: 'Nguyễn Văn An: sai ngày sinh 2019-03-04' },
      ],
    });
    expect(JSON.parse(sent[0] as string)).toEqual({
      accepted: 1,
      rejected: 2,
      receiptId: null,
      refused: [
        { key: 'S1', code: 'DUPLICATE_KEY' },
        { key: 'S2', code: null },
      ],
    });
  });
});
