/**
 * walk9: a `TrucApiError`'s message says the refusal in words, its `detail` or else its messages in both languages; a
 * vendor logging `err.message` of a 403 read "pushBatch: 403 ERR_FORBIDDEN_SCHOOL", the code alone.
 */
import { describe, expect, it } from 'vitest';
import { createTrucClient, TrucApiError } from '../../../packages/client/src/index.js';

const problem = (extra: Record<string, unknown>) => ({
  type: 'https://truc.hcm.edu.vn/problems/err-forbidden-school',
  title: 'Mã truy cập không được cấp cho trường này.',
  status: 403,
  code: 'ERR_FORBIDDEN_SCHOOL',
  correlationId: 'c-1',
  messages: { vi: 'Mã truy cập không được cấp cho trường này.', en: 'The token does not cover this school.' },
  ...extra,
});

const refusedWith = async (body: unknown): Promise<TrucApiError> => {
  const truc = createTrucClient({
    baseUrl: 'http://truc.invalid',
    token: 'a-token',
    fetch: async () =>
      new Response(JSON.stringify(body), {
        status: 403,
        headers: { 'content-type': 'application/problem+json' },
      }),
  });
  const err: unknown = await truc.batch('00000000-0000-4000-8000-000000000001').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TrucApiError);
  return err as TrucApiError;
};

describe('@truc/client TrucApiError message (walk9)', () => {
  it('a problem without a detail: its messages in both languages after the code', async () => {
    const err = await refusedWith(problem({}));
    expect(err.message).toBe(
      'getBatch: 403 ERR_FORBIDDEN_SCHOOL (Mã truy cập không được cấp cho trường này. / The token does not cover this school.)',
    );
  });

  it('a problem with a detail: the detail, as before', async () => {
    const err = await refusedWith(problem({ detail: 'trường 79000001 / school 79000001' }));
    expect(err.message).toBe('getBatch: 403 ERR_FORBIDDEN_SCHOOL (trường 79000001 / school 79000001)');
  });
});
