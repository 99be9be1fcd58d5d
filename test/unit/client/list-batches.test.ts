/**
 * W3-3: `@truc/client`'s `listBatches` walks GET /v1/schools/{schoolCode}/batches page by page (nextCursor), with the
 * filters asked, until the last page (nextCursor null).
 */
import { describe, expect, it } from 'vitest';
import { createTrucClient } from '../../../packages/client/src/index.js';

const item = (n: number) => ({ batchId: `00000000-0000-4000-8000-00000000000${n}`, status: 'failed' });

describe('@truc/client listBatches (W3-3)', () => {
  it('yields every page’s batches, carrying the filters and the cursor', async () => {
    const asked: string[] = [];
    const pages: Record<string, { items: unknown[]; nextCursor: string | null }> = {
      '': { items: [item(1), item(2)], nextCursor: 'c2' },
      c2: { items: [item(3)], nextCursor: null },
    };
    const truc = createTrucClient({
      baseUrl: 'http://truc.invalid',
      token: 'a-token',
      fetch: async (request) => {
        const url = new URL((request as Request).url);
        asked.push(url.pathname + url.search);
        const body = pages[url.searchParams.get('cursor') ?? '']!;
        return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
      },
    });
    const seen = [];
    for await (const b of truc.listBatches('79000001', { status: 'failed' })) seen.push(b.batchId);
    expect(seen).toEqual([item(1), item(2), item(3)].map((i) => i.batchId));
    expect(asked).toEqual([
      '/v1/schools/79000001/batches?status=failed',
      '/v1/schools/79000001/batches?status=failed&cursor=c2',
    ]);
  });
});
