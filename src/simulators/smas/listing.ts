/**
 * SMAS listings in the simulator: schools and each entity by `page` / `pageSize` (with `modifiedSince`),
 * streamed from the population without holding it; bad parameters answer SMAS's `INVALID_PARAMETER`.
 */
import { SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE, type SmasRecordOf } from '../../adapters/smas/schema.js';
import { intParam, timeParam, type Refusal, type SchoolSystemData } from '../school-system/index.js';
import { jsonPageChunks, type SimResponse } from '../sim-handler.js';

type SmasData = SchoolSystemData<SmasRecordOf>;

const badParam = (name: string): Refusal => [400, 'INVALID_PARAMETER', `Tham số ${name} không hợp lệ.`];
const pageOf = (q: URLSearchParams) => ({
  page: intParam(q, 'page', 1, 1_000_000, badParam('page')),
  pageSize: intParam(q, 'pageSize', SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE, badParam('pageSize')),
});

/** The first `n` items of an iterable, lazily. */
function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

export function listSchools(data: SmasData, q: URLSearchParams): SimResponse {
  const { page, pageSize } = pageOf(q);
  const slice = data.schools.slice((page - 1) * pageSize, page * pageSize);
  return {
    body: {
      Data: slice.map((x) => ({ MaTruong: x.code, TenTruong: data.nameOf(x.s) })),
      TotalRecord: data.schools.length,
      Page: page,
      PageSize: pageSize,
    },
  };
}

export function listEntity(
  data: SmasData,
  entity: keyof SmasRecordOf,
  s: number,
  _code: string,
  q: URLSearchParams,
): SimResponse {
  const { page, pageSize } = pageOf(q);
  const since = timeParam(q, 'modifiedSince', badParam('modifiedSince'));
  const total = data.count(entity, s, since);
  const selected = data.select(entity, s, { sinceMs: since, skipMatches: (page - 1) * pageSize });
  const wires = (function* () {
    for (const { item } of take(selected, pageSize)) yield item.wire;
  })();
  return {
    stream: jsonPageChunks({ TotalRecord: total, Page: page, PageSize: pageSize }, 'Data', wires),
  };
}
