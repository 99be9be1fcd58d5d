/**
 * The query of the commune and province scorecards (GET /v1/quality/scorecards): a level, and a unit's code of that
 * level; the list (no code) searched by code, filtered by band, sorted (the worst first) and paged (fix34b, review33c
 * N2: the city's 168 communes came all at once, by code).
 */
import { z } from 'zod';
import { both } from '../errors.js';
import { pageQuery } from './paging.js';

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

/** How the list is sorted: by code (the default, as before), or the worst overall pass ratio first. */
export const SCORECARD_SORTS = ['code', 'worst'] as const;

export const ScorecardsQuery = z
  .object({
    level: z.enum(['commune', 'province']),
    code: z
      .string()
      .regex(
        /^\d{2}$|^\d{5}$/,
        both(
          'mã tỉnh 2 chữ số (79) hoặc mã xã 5 chữ số (26995)',
          'a 2-digit province code (79) or a 5-digit commune code (26995)',
        ),
      )
      .optional()
      .meta({ description: 'province: 2 chữ số; commune: 5 chữ số / province: 2 digits; commune: 5 digits' }),
    q: z
      .string()
      .regex(
        /^\d{1,5}$/,
        both('1 đến 5 chữ số của mã đơn vị (ví dụ 267)', '1 to 5 digits of a unit code (e.g. 267)'),
      )
      .optional()
      .meta({
        description:
          'Các đơn vị có mã chứa các chữ số này / The units whose code holds these digits (e.g. 267: 26734, 26737)',
      }),
    band: z.enum(['green', 'yellow', 'red']).optional().meta({
      description:
        'Các đơn vị có tỷ lệ đạt chung ở dải màu này (theo quality.colourBands hiện hành) / The units whose overall ratio is in this band (today’s quality.colourBands)',
    }),
    sort: z.enum(SCORECARD_SORTS).default('code').meta({
      description:
        'code: theo mã; worst: tỷ lệ đạt chung thấp nhất trước (rồi theo mã) / code: by code; worst: the lowest overall pass ratio first (then by code)',
    }),
    // the city's 168 communes fit the default page: a caller that read them all in one answer still does
    ...pageQuery(500, 200),
  })
  .strict()
  .superRefine(codeOfLevel);
