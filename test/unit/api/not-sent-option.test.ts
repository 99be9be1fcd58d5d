/**
 * walk8 W8-2: a required field of a set of values (an enum) not sent was told zod's "Tùy chọn không hợp lệ: mong đợi
 * một trong các giá trị … / Invalid option: expected one of …" (POST /v1/syncs {}, GET /v1/quality/scorecards without
 * `level`), as if a wrong value had been sent. It is said as any field not sent is (walk2), then the values it takes;
 * a wrong value sent keeps zod's words. Through the API's error handler (src/api/plugins/errors.ts) on a bare fastify.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import errorsPlugin from '../../../src/api/plugins/errors.js';

interface Problem {
  code: string;
  errors: Array<{ pointer: string; rule: string; message: string }>;
}

describe('a required option not sent (walk8 W8-2)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(errorsPlugin);
    const body = z.object({
      system: z.enum(['smas', 'vnedu']),
      inner: z.object({ kind: z.enum(['a', 'b']) }).optional(),
    });
    app.post('/syncs', { schema: { body } }, async () => ({}));
    app.get(
      '/cards',
      { schema: { querystring: z.object({ level: z.enum(['commune', 'province']) }) } },
      async () => ({}),
    );
    await app.ready();
  });
  afterAll(() => app.close());

  it('a body field not sent is said so, with the values it takes', async () => {
    const res = await app.inject({ method: 'POST', url: '/syncs', payload: { inner: {} } });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors).toEqual([
      {
        pointer: '/body/system',
        rule: 'invalid_value',
        message:
          'bắt buộc, chưa được gửi; hãy gửi một trong các giá trị "smas"|"vnedu" / required, not sent; send one of "smas"|"vnedu"',
      },
      {
        pointer: '/body/inner/kind',
        rule: 'invalid_value',
        message:
          'bắt buộc, chưa được gửi; hãy gửi một trong các giá trị "a"|"b" / required, not sent; send one of "a"|"b"',
      },
    ]);
  });

  it('a query field not sent likewise', async () => {
    const res = await app.inject({ method: 'GET', url: '/cards' });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors[0]!.message).toBe(
      'bắt buộc, chưa được gửi; hãy gửi một trong các giá trị "commune"|"province" / ' +
        'required, not sent; send one of "commune"|"province"',
    );
  });

  it('a wrong value sent keeps zod’s words: an option not in the set', async () => {
    for (const url of ['/cards?level=city', '/cards?level=']) {
      const res = await app.inject({ method: 'GET', url });
      const [e] = res.json<Problem>().errors;
      expect(e!.message).toMatch(
        /^Tùy chọn không hợp lệ: .* \/ Invalid option: expected one of "commune"\|"province"$/,
      );
    }
    const res = await app.inject({ method: 'POST', url: '/syncs', payload: { system: 'edu' } });
    expect(res.json<Problem>().errors[0]!.message).not.toContain('chưa được gửi');
  });
});
