/**
 * Issue 7, unchanged re-push: what a route's `knownBody` answers for a body it took before stands for that
 * body, which is neither parsed nor validated again (the bytes passed the route's schema the first time);
 * a body of more records than the route takes now is parsed and refused as before.
 */
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { knownBatchBody } from '../../../src/api/batch-intake.js';
import inputPlugin, { passingKnownBodies } from '../../../src/api/plugins/input.js';
import type { Db } from '../../../src/store/db.js';

const limits = { maxDepth: 32, maxNestedArrayItems: 1000 };
const knownText = '{"known":true}';
const knownSha = createHash('sha256').update(knownText).digest('hex');

/** A route whose schema refuses the stand-in its `knownBody` answers for the body `{"known":true}`. */
async function appWith(compile: typeof validatorCompiler) {
  const app = Fastify();
  app.setValidatorCompiler(compile);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(inputPlugin, limits);
  let validated = 0;
  const body = z
    .object({ records: z.array(z.object({ id: z.string() })).min(1) })
    .refine(() => ++validated > 0);
  app.post(
    '/known',
    {
      schema: { body },
      config: {
        knownBody: (_request, sha) => Promise.resolve(sha === knownSha ? { records: [{}, {}] } : undefined),
      },
    },
    async (request) => ({ records: (request.body as { records: unknown[] }).records.length }),
  );
  await app.ready();
  return { app, validated: () => validated };
}

const post = (app: Awaited<ReturnType<typeof appWith>>['app'], payload: string) =>
  app.inject({ method: 'POST', url: '/known', headers: { 'content-type': 'application/json' }, payload });

describe('a known body at a route', () => {
  it('is let through as its stand-in, not validated again; any other body is validated', async () => {
    const { app, validated } = await appWith(passingKnownBodies(validatorCompiler));
    const known = await post(app, knownText);
    expect(known.statusCode, known.body).toBe(200);
    expect(known.json()).toEqual({ records: 2 });
    expect(validated()).toBe(0);
    const other = await post(app, '{"records":[{}]}');
    expect(other.statusCode).toBe(400);
    const good = await post(app, '{"records":[{"id":"a"}]}');
    expect(good.json()).toEqual({ records: 1 });
    expect(validated()).toBe(1);
    await app.close();
  });

  it('without the pass, the same stand-in is validated (and here refused)', async () => {
    const { app } = await appWith(validatorCompiler);
    expect((await post(app, knownText)).statusCode).toBe(400);
    await app.close();
  });
});

describe('knownBatchBody', () => {
  const held = {
    id: 'b1',
    entity: 'students',
    format: 'canonical',
    mode: 'delta',
    received: 3,
    judged: null,
  };
  const db = { query: () => Promise.resolve({ rows: [held] }) } as unknown as Db;
  const request = {
    params: { schoolCode: 'S1' },
    query: {},
    principal: { clientId: 'vendor-1' },
  } as unknown as Parameters<ReturnType<typeof knownBatchBody>>[0];

  it('stands for the body with as many records as it held', async () => {
    const body = (await knownBatchBody(db, { delta: 3, snapshot: 5 })(request, 'sha')) as {
      records: unknown[];
      entity: string;
    };
    expect(body.entity).toBe('students');
    expect(body.records).toHaveLength(3);
  });

  it('a body of more records than the route takes now is parsed (and refused) as any other', async () => {
    expect(await knownBatchBody(db, { delta: 2, snapshot: 5 })(request, 'sha')).toBeUndefined();
  });

  it("a snapshot's body is held to a snapshot's limit, a delta's to a delta's (bigsnap25)", async () => {
    const snapshotDb = {
      query: () => Promise.resolve({ rows: [{ ...held, mode: 'snapshot', received: 4 }] }),
    } as unknown as Db;
    const stood = (await knownBatchBody(snapshotDb, { delta: 2, snapshot: 5 })(request, 'sha')) as {
      records: unknown[];
      mode: string;
    };
    expect(stood.mode).toBe('snapshot');
    expect(stood.records).toHaveLength(4);
    expect(await knownBatchBody(snapshotDb, { delta: 5, snapshot: 3 })(request, 'sha')).toBeUndefined();
  });
});
