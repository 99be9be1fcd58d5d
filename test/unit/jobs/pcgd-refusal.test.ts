import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { refusalOf } from '../../../src/jobs/pcgd-submit.js';

/** review29 F5: what the Ministry said when it refused figures, as kept on the report (delivery.refusal). */
describe('refusalOf', () => {
  it('keeps the problem code (the empty pointer) apart from the field errors', () => {
    const err = new AppError(
      'ERR_ADAPTER_REJECTED',
      'moet-pcgd: figures of 27664/2026 rejected (INVALID_FIGURES)',
      {
        errors: [
          {
            pointer: '/indicators/3/numerator',
            rule: 'NUMERATOR_GT_DENOMINATOR',
            message: 'numerator > denominator',
          },
          { pointer: '', rule: 'INVALID_FIGURES', message: 'INVALID_FIGURES' },
        ],
      },
    );
    expect(refusalOf(err)).toEqual({
      code: 'INVALID_FIGURES',
      errors: [
        {
          pointer: '/indicators/3/numerator',
          rule: 'NUMERATOR_GT_DENOMINATOR',
          message: 'numerator > denominator',
        },
      ],
    });
  });

  it('caps what it keeps: 20 field errors of at most 200 characters', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      pointer: `/indicators/${i}/rate`,
      rule: 'RATE_MISMATCH',
      message: 'x'.repeat(500),
    }));
    const kept = refusalOf(new AppError('ERR_ADAPTER_REJECTED', 'r', { errors: many }))!;
    expect(kept.code).toBeNull();
    expect(kept.errors).toHaveLength(20);
    expect(kept.errors[0]!.message).toHaveLength(200);
  });

  it('keeps nothing for a failure that is not a refusal of the figures', () => {
    expect(refusalOf(new AppError('ERR_ADAPTER_WINDOW_CLOSED', 'closed'))).toBeUndefined();
    expect(refusalOf(new Error('boom'))).toBeUndefined();
  });
});
