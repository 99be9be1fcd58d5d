/**
 * walk11 W11-5 (a vendor meeting truc's errors): three refusals every integration meets said what was wrong and not
 * what to do, while docs/errors.md's "how to solve" does: a call without a token (401 ERR_UNAUTHENTICATED), a token
 * refused for another reason than its age (401 ERR_TOKEN_INVALID: a truncated or foreign one), and an Idempotency-Key
 * sent again with another body (422 ERR_IDEMPOTENCY_MISMATCH). Each now has a `detail`, Vietnamese then English,
 * saying what to do. Real PostgreSQL, the API in process.
 */
import { describe, expect, it } from 'vitest';
import { expectProblem, S1, student, useApiHarness } from '../helpers/api.js';

describe('walk11: the errors a vendor meets say what to do', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  it('no token: where to get one and how to send it', async () => {
    const body = expectProblem(await h.get(`/v1/schools/${S1}/students`), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toBe(
      'gửi Authorization: Bearer <mã>; lấy mã ở POST /oauth/token (grant_type=client_credentials) / ' +
        'send Authorization: Bearer <token>; get one at POST /oauth/token (grant_type=client_credentials)',
    );
  });

  it('a token that cannot be used: get a new one at POST /oauth/token', async () => {
    const cut = h.tokens.vendor.slice(0, -8);
    const body = expectProblem(await h.get(`/v1/schools/${S1}/students`, cut), 401, 'ERR_TOKEN_INVALID');
    expect(body.detail).toBe(
      'mã truy cập không dùng được; lấy mã mới ở POST /oauth/token (grant_type=client_credentials) / ' +
        'the token cannot be used; get a new one at POST /oauth/token (grant_type=client_credentials)',
    );
  });

  it("a disabled client's token: only the city can enable it again, not a new token (review11)", async () => {
    const body = expectProblem(
      await h.get(`/v1/schools/${S1}/students`, h.tokens.disabled),
      401,
      'ERR_TOKEN_INVALID',
    );
    expect(body.detail).toBe(
      'ứng dụng của mã này đã bị tắt; liên hệ quản trị của thành phố để bật lại / ' +
        "this token's client is disabled; ask the city's administrators to enable it",
    );
  });

  it('a key used for another body: a new batch takes a new key, a retry the same bytes', async () => {
    const key = { 'idempotency-key': 'walk11-w11-5' };
    const first = await h.pushBatch(
      h.tokens.vendor,
      S1,
      { entity: 'students', records: [student('W115A')] },
      key,
    );
    expect(first.statusCode).toBe(202);
    const again = await h.pushBatch(
      h.tokens.vendor,
      S1,
      { entity: 'students', records: [student('W115B')] },
      key,
    );
    const body = expectProblem(again, 422, 'ERR_IDEMPOTENCY_MISMATCH');
    expect(body.detail).toBe(
      'khoá này đã dùng cho một nội dung khác; lô mới cần khoá mới, gửi lại thì gửi đúng từng byte của lần đầu / ' +
        'this key was used for another body; a new batch takes a new key, a retry resends the first body byte for byte',
    );
  });
});
