/** The query of the commune and province scorecards (GET /v1/quality/scorecards): a level, and a unit's code of that level. */
import { z } from 'zod';
import { both } from '../errors.js';

/**
 * A unit's code says its level (a province 2 digits, a commune 5): `level=commune&code=79` contradicts itself (api27:
 * it answered 404, as an unknown commune), a 400 naming `code`.
 */
function codeOfLevel(
  q: { level: 'commune' | 'province'; code?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (q.code === undefined || q.code.length === (q.level === 'province' ? 2 : 5)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['code'],
    input: q.code,
    message:
      q.level === 'province'
        ? both('level=province cần mã tỉnh 2 chữ số', 'level=province takes a 2-digit province code')
        : both('level=commune cần mã xã 5 chữ số', 'level=commune takes a 5-digit commune code'),
  });
}

export const ScorecardsQuery = z
  .object({
    level: z.enum(['commune', 'province']),
    code: z
      .string()
      .regex(/^\d{2}$|^\d{5}$/)
      .optional()
      .meta({ description: 'province: 2 chữ số; commune: 5 chữ số / province: 2 digits; commune: 5 digits' }),
  })
  .strict()
  .superRefine(codeOfLevel);
