/**
 * W5-11: a vendor working from the OpenAPI document only writes a native SMAS or vnEdu batch. The records here are
 * built from nothing but the committed document's examples (each field's first `examples` value of
 * `SmasClassesRecord`, `VneduStudentsRecord`, …): dry-run, they are judged with no finding; pushed, they are
 * answered 202 and ingested with none either, class, teacher and student in turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import openapi from '../../openapi/truc.v1.json' with { type: 'json' };
import { addClient } from '../../src/ops.js';
import { startApi, startWorkerRole, type Running } from '../../src/roles.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { schoolRecord, storeSchools } from '../helpers/quality-world.js';

type Json = Record<string, unknown>;
type Field = { examples?: unknown[] };
const schemas = openapi.components.schemas as unknown as Record<
  string,
  { properties: Record<string, Field> }
>;

/** One record of `format` and `entity`, each field the document gives an example of set to that example. */
function exampleRecord(format: string, entity: string): Json {
  const name = `${format[0]!.toUpperCase()}${format.slice(1)}${entity[0]!.toUpperCase()}${entity.slice(1)}Record`;
  const props = schemas[name]!.properties;
  return Object.fromEntries(
    Object.entries(props)
      .filter(([, f]) => f.examples !== undefined)
      .map(([field, f]) => [field, f.examples![0]]),
  );
}

let env: TestEnv;
let api: Running & { url: string };
let worker: Running;
let token: string;

beforeAll(async () => {
  env = await makeDeps(backends()[0]!);
  // The school is in truc's school list, as the city database's pull brings it (else DUNG_SCHOOL_UNLISTED, W9-1);
  // multi-level, so no example's grade is outside its level.
  await storeSchools(env.deps.db, [{ ...schoolRecord('79000001'), level: 'multi_level' }]);
  api = await startApi(env.deps, { port: 0, host: '127.0.0.1' });
  worker = startWorkerRole(env.deps);
  const vendor = await addClient(env.deps.db, {
    name: 'w5-11 vendor',
    role: 'vendor',
    schools: ['79000001'],
  });
  const res = await fetch(`${api.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: vendor.clientId,
      client_secret: vendor.clientSecret,
    }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await env?.cleanup();
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('a native batch written from the OpenAPI document’s examples alone (W5-11)', () => {
  it.each(['smas', 'vnedu'])(
    '%s: classes, staff and students, judged and ingested with no finding',
    async (format) => {
      // the school the examples name (the path's school must be the records' own)
      const school = exampleRecord(format, 'classes')[
        format === 'smas' ? 'MaTruong' : 'school_code'
      ] as string;
      for (const entity of ['classes', 'staff', 'students']) {
        const body = { entity, format, records: [exampleRecord(format, entity)] };
        const dry = await call('POST', `/v1/schools/${school}/batches?dryRun=true`, body);
        expect(dry.status, await dry.clone().text()).toBe(200);
        const judged = (await dry.json()) as { counts: Json; findings: unknown[] };
        expect(judged.findings, `${format} ${entity}`).toEqual([]);
        expect(judged.counts).toMatchObject({ rejected: 0 });

        const push = await call('POST', `/v1/schools/${school}/batches`, body, {
          'idempotency-key': `w5-11-${format}-${entity}`,
        });
        expect(push.status, await push.clone().text()).toBe(202);
        const { batchId } = (await push.json()) as { batchId: string };
        const done = await waitFor(
          async () => {
            const status = (await (await call('GET', `/v1/batches/${batchId}`)).json()) as Json;
            return status.status === 'done' ? status : undefined;
          },
          { timeoutMs: 60_000 },
        );
        expect(done.counts, `${format} ${entity}`).toMatchObject({ received: 1, rejected: 0 });
        const findings = (await (await call('GET', `/v1/batches/${batchId}/findings`)).json()) as {
          items: unknown[];
        };
        expect(findings.items, `${format} ${entity}`).toEqual([]);
      }
    },
    240_000,
  );
});
