/**
 * words6: refusals a user reads, through the API's error handler (src/api/plugins/errors.ts) on a bare fastify.
 * Item 2: a batch of no records said zod's "Too small: expected array to have >=1 items"; it says a batch needs at
 * least one record, with the limits, in both languages. Item 3: a 503 (the database down, overloaded or refusing; a
 * dependency unavailable) said neither how long to wait nor, for a dependency, when: each carries Retry-After and its
 * detail says the same wait in words (src/api/retry-later.ts waitRefusal), never the internals of its message.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errorsPlugin from '../../../src/api/plugins/errors.js';
import { batchBody } from '../../../src/api/batch-contract.js';
import { AppError } from '../../../src/errors.js';

const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

const THROWN: Record<string, () => unknown> = {
  lost: () => sqlError('ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:5432'),
  pool: () => new Error('timeout exceeded when trying to connect'),
  refusing: () => sqlError('25006', 'cannot execute INSERT in a read-only transaction'),
  dependency: () =>
    new AppError('ERR_DEPENDENCY_UNAVAILABLE', 'Redis at redis://10.1.2.3:6379 is not reachable'),
  adapter: () =>
    new AppError('ERR_ADAPTER_UNAVAILABLE', 'smas: 503 from https://10.1.2.3/api', { retryAfterSeconds: 12 }),
  pending: () => new AppError('ERR_SCHEMA_PENDING'),
  signing: () => new AppError('ERR_PCGD_SIGNING_UNAVAILABLE', 'no file /etc/truc/pcgd/79.p12'),
};

describe('refusal words (words6 items 2 and 3)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(errorsPlugin);
    app.post('/batches', { schema: { body: batchBody({ delta: 1000, snapshot: 50000 }) } }, async () => ({}));
    app.get<{ Params: { what: string } }>('/throw/:what', async (request) => {
      throw THROWN[request.params.what]!();
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('a batch of no records says a batch needs at least one record, and how many it may hold', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/batches',
      payload: { entity: 'students', records: [] },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ code: string; errors: Array<{ pointer: string; message: string }> }>();
    expect(body.code).toBe('ERR_VALIDATION');
    expect(body.errors).toEqual([
      {
        pointer: '/body/records',
        rule: 'too_small',
        message:
          'lô cần ít nhất một bản ghi (1–1000 bản ghi một lô delta, 1–50000 một lô snapshot) / ' +
          'a batch needs at least one record (1–1000 records in a delta batch, 1–50000 in a snapshot)',
      },
    ]);
  });

  it.each([
    ['lost', '5', 'cơ sở dữ liệu tạm thời không trả lời', 'the database is not answering for now'],
    ['pool', '5', 'cơ sở dữ liệu tạm thời không trả lời', 'the database is not answering for now'],
    ['refusing', '30', 'cơ sở dữ liệu tạm thời từ chối ghi', 'the database refuses the work for now'],
  ])('the database %s: 503 with Retry-After %s, said in words', async (what, wait, vi, en) => {
    const res = await app.inject({ method: 'GET', url: `/throw/${what}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe(wait);
    const { code, detail } = res.json<{ code: string; detail: string }>();
    expect(code).toBe('ERR_DEPENDENCY_UNAVAILABLE');
    const [viPart, enPart] = detail.split(' / ');
    expect(viPart).toMatch(new RegExp(`^${vi}.*; không có gì được nhận; thử lại sau ${wait} giây$`));
    expect(enPart).toMatch(new RegExp(`^${en}.*; nothing was accepted; try again in ${wait} s$`));
    expect(res.body).not.toContain('10.1.2.3');
  });

  it('a dependency’s 503 says how long to wait, its own Retry-After or 30 s, never its message', async () => {
    for (const [what, wait] of [
      ['dependency', '30'],
      ['adapter', '12'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: `/throw/${what}` });
      expect(res.statusCode, what).toBe(503);
      expect(res.headers['retry-after'], what).toBe(wait);
      const body = res.json<{ detail: string }>();
      expect(body.detail, what).toBe(`thử lại sau ${wait} giây / try again in ${wait} s`);
      expect(res.body, what).not.toContain('10.1.2.3');
    }
  });

  it('a 503 that waiting does not cure (a migration pending) asks for no wait', async () => {
    const res = await app.inject({ method: 'GET', url: '/throw/pending' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json<{ detail?: string }>().detail).toBeUndefined();
  });

  it('a unit without its signing certificate asks for no wait but for an operator (words6 note)', async () => {
    const res = await app.inject({ method: 'GET', url: '/throw/signing' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toContain('người vận hành cần đặt tệp .p12 của đơn vị (pcgd.signing.dir)');
    expect(res.body).toContain("an operator must install the unit's .p12 file (pcgd.signing.dir)");
    expect(res.body).not.toContain('try again');
    expect(res.body).not.toContain('/etc/truc');
  });
});
