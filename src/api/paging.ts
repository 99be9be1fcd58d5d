/** The offset-paged lists of the API: their `limit`/`offset` query fields and the page they answer with. */
import { z } from 'zod';
import { decimal } from './query.js';

/**
 * The `limit` (1..max, `def` when absent) and `offset` (0.., at most `maxOffset` when given) fields of a
 * list's querystring, to spread into its `z.object({...})`.
 */
export function pageQuery(max: number, def: number, maxOffset?: number) {
  const offset = z.number().int().min(0);
  return {
    limit: decimal(z.number().int().min(1).max(max)).prefault(def),
    offset: decimal(maxOffset === undefined ? offset : offset.max(maxOffset)).prefault(0),
  };
}

/** A page of `item`s: how many there are in all, the page asked for, and its items. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    items: z.array(item),
  });
}

/** The answer of a paged list: the store's page (its total and rows) for the page asked for, rows mapped by `out`. */
export function pageOut<R, T>(
  page: { total: number; items: readonly R[] },
  asked: { limit: number; offset: number },
  out: (row: R) => T,
): { total: number; limit: number; offset: number; items: T[] } {
  return {
    total: page.total,
    limit: asked.limit,
    offset: asked.offset,
    items: page.items.map((r) => out(r)),
  };
}
