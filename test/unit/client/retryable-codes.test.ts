/**
 * docs11: docs/errors.md marks 408 ERR_REQUEST_TIMEOUT retryable (the request took too long to arrive; nothing was
 * taken), but @truc/client retried only 429 and 503: a push answered 408 was thrown at the vendor, not resent under
 * its Idempotency-Key. The client's retryable answers are the catalogue's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTrucClient } from '../../../packages/client/src/index.js';

const problem = (status: number, code: string) =>
  new Response(
    JSON.stringify({
      type: `https://truc.hcm.edu.vn/problems/${code.toLowerCase()}`,
      title: code,
      status,
      code,
      correlationId: 'c-1',
      messages: { vi: 'thử lại', en: 'try again' },
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

const accepted = () =>
  new Response(
    JSON.stringify({
      batchId: '00000000-0000-4000-8000-000000000001',
      status: 'queued',
      statusUrl: '/v1/batches/x',
    }),
    { status: 202, headers: { 'content-type': 'application/json' } },
  );

/** The catalogue's retryable statuses: docs/errors.md's rows whose "retry" column says yes (its 409s answer no push). */
function catalogueRetryable(): Set<number> {
  const rows = readFileSync('docs/errors.md', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| `ERR_'));
  const out = new Set<number>();
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    if (cells[3] === 'yes' && cells[2] !== '409') out.add(Number(cells[2]));
  }
  return out;
}

describe('@truc/client retries what the error catalogue marks retryable', () => {
  it.each([...catalogueRetryable()])(
    'a push answered %i is sent again under the same key',
    async (status) => {
      const keys: (string | null)[] = [];
      let calls = 0;
      const truc = createTrucClient({
        baseUrl: 'http://truc.invalid',
        token: 'a-token',
        sleep: async () => {},
        fetch: async (input: Request | string | URL, init?: RequestInit) => {
          const req = input instanceof Request ? input : new Request(input, init);
          keys.push(req.headers.get('idempotency-key'));
          calls += 1;
          return calls === 1 ? problem(status, `ERR_${status}`) : accepted();
        },
      });
      const res = await truc.pushBatch('79000001', { entity: 'students', records: [] } as never);
      expect(res.batchId).toBe('00000000-0000-4000-8000-000000000001');
      expect(calls).toBe(2);
      expect(keys[0]).toBeTruthy();
      expect(keys[1]).toBe(keys[0]);
    },
  );

  it.each([400, 403, 404, 409, 413, 422])('a push answered %i is not sent again', async (status) => {
    let calls = 0;
    const truc = createTrucClient({
      baseUrl: 'http://truc.invalid',
      token: 'a-token',
      sleep: async () => {},
      fetch: async () => {
        calls += 1;
        return problem(status, `ERR_${status}`);
      },
    });
    await expect(truc.pushBatch('79000001', { entity: 'students', records: [] } as never)).rejects.toThrow(
      `pushBatch: ${status}`,
    );
    expect(calls).toBe(1);
  });

  it('the catalogue has 408, 429 and 503 among its retryable answers', () => {
    expect([...catalogueRetryable()]).toEqual(expect.arrayContaining([408, 429, 503]));
  });
});
