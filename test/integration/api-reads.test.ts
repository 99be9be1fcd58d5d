/**
 * Reads and the change feed (issue 9) on both databases: a vendor reads back its schools' records
 * (paged, `updatedSince`, ETag + If-None-Match) and follows creates, updates, moves, deletes and
 * restores through `GET /v1/changes`, never seeing another school's; bad cursors are 400s.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { onConnection } from '../../src/store/db.js';
import { changeCursor } from '../../src/store/reads.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { bearer, expectProblem, OTHER, S1, S2, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

interface Page {
  items: Array<{ key: string; etag: string; updatedAt: string; record: Record<string, unknown> }>;
  nextCursor: string | null;
}
interface ChangePage {
  items: Array<{ entity: string; key: string; schoolCode: string; op: string; url: string | null }>;
  nextCursor: string;
}

/** The committed spec's answer of `GET /v1/changes` (200), compiled: what vendors are promised. */
function changePageValidator() {
  const spec = JSON.parse(readFileSync('openapi/truc.v1.json', 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'truc-spec', components: spec['components'] });
  const validate = ajv.getSchema('truc-spec#/components/schemas/ChangePage');
  if (!validate) throw new Error('ChangePage is not in openapi/truc.v1.json');
  const op = (spec['paths'] as Record<string, Record<string, unknown>>)['/v1/changes']?.['get'];
  const schema = JSON.stringify(
    (op as { responses: Record<string, { content: Record<string, { schema: unknown }> }> }).responses['200']
      ?.content['application/json']?.schema,
  );
  expect(schema).toBe(JSON.stringify({ $ref: '#/components/schemas/ChangePage' }));
  return validate;
}

describe.each([backends()[0]!, backends()[2]!])('reads and changes on $name', (backend) => {
  const h = useApiHarness(backend);

  /** Writes canonical students the way ingest does (upsert; the triggers feed the change log). */
  async function put(records: Array<ReturnType<typeof student>>): Promise<void> {
    await h.env.deps.db.tx(async (q) => {
      await createRecordsRepo(q).upsert(
        'students',
        records.map((r) => ({
          key: r.studentCode,
          scope: r.schoolCode,
          data: r,
          fingerprint: fingerprint(r),
        })),
        { system: 'vendor', mappingVersion: 'canonical@1' },
      );
    });
  }

  /**
   * The feed after `cursor`. A change shows once every older transaction of the cluster has ended, and
   * other test files share this PostgreSQL server: wait (bounded) until at least `atLeast` items show.
   */
  async function feed(token: string, cursor?: string, query = '', atLeast = 0): Promise<ChangePage> {
    for (let i = 0; ; i += 1) {
      const res = await h.get(`/v1/changes?limit=1000${cursor ? `&cursor=${cursor}` : ''}${query}`, token);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<ChangePage>();
      if (page.items.length >= atLeast || i >= 300) return page;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * The position of the newest change so far. Ordered by the columns: the text aliases would sort
   * '99' after '104' (the store's comment on `changes`).
   */
  async function lastPosition(): Promise<{ tx: string; seq: string }> {
    const last = await h.env.deps.db.query<{ tx: string; seq: string }>(
      `SELECT tx::text AS tx, seq::text AS seq FROM truc.record_changes r
        ORDER BY r.tx DESC, r.seq DESC LIMIT 1`,
    );
    return last.rows[0] ?? { tx: '0', seq: '0' };
  }

  it('a vendor pages its school’s students by cursor, never another school’s', async () => {
    await put([...['R3', 'R1', 'R2', 'R4', 'R5'].map((c) => student(c, S1)), student('X1', OTHER)]);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const res = await h.get(
        `/v1/schools/${S1}/students?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        h.tokens.vendor,
      );
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<Page>();
      seen.push(...page.items.map((r) => r.key));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    // Other tests of this file add students of S1 too (whichever ran before): every one once, this
    // test's five among them in key order, never the other school's.
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((k) => /^R\d$/.test(k))).toEqual(['R1', 'R2', 'R3', 'R4', 'R5']);
    expect(seen).not.toContain('X1');
    expectProblem(await h.get(`/v1/schools/${OTHER}/students`, h.tokens.vendor), 403, 'ERR_FORBIDDEN_SCHOOL');
    expectProblem(await h.get(`/v1/schools/${S1}/students/X1`, h.tokens.vendor), 404, 'ERR_NOT_FOUND');
    expectProblem(await h.get(`/v1/schools/${S1}/students`, h.tokens.reader), 403, 'ERR_FORBIDDEN_SCOPE');
  });

  it('a single record has an ETag; If-None-Match answers 304 until it changes', async () => {
    await put([student('E1', S1)]);
    const url = `/v1/schools/${S1}/students/E1`;
    const first = await h.get(url, h.tokens.vendor);
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.json<Page['items'][number]>().record).toMatchObject({ studentCode: 'E1' });

    const same = await h.app.inject({
      method: 'GET',
      url,
      headers: { ...bearer(h.tokens.vendor), 'if-none-match': etag },
    });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    // RFC 9110 §8.6: a 304's Content-Length, if any, is the 200's; it said 4 (the length of a 'null' not sent: review26b N1).
    expect(same.headers).not.toHaveProperty('content-length');

    await put([{ ...student('E1', S1), fullName: 'Trần Thị Bình' }]);
    const changed = await h.app.inject({
      method: 'GET',
      url,
      headers: { ...bearer(h.tokens.vendor), 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('updatedSince returns only what changed since', async () => {
    await put([student('U1', S2), student('U2', S2)]);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await put([{ ...student('U2', S2), grade: '2' }]);
    const res = await h.get(
      `/v1/schools/${S2}/students?updatedSince=${encodeURIComponent(since)}`,
      h.tokens.vendor,
    );
    expect(res.json<Page>().items.map((r) => r.key)).toEqual(['U2']);
  });

  it('the change feed carries creates, updates, moves, deletes and restores of the caller’s schools only', async () => {
    // Follow from after every change committed so far (earlier tests' writes).
    const from = changeCursor(await lastPosition());

    await put([student('C1', S1), student('C2', S1)]); // 2 creates
    await put([{ ...student('C1', S1), grade: '3' }, student('C2', S1)]); // C1 update, C2 unchanged
    await put([student('C2', S2)]); // C2 moves S1 → S2: delete in S1, create in S2
    await put([student('C9', OTHER)]); // not the vendor's
    await h.env.deps.db.tx((q) => createRecordsRepo(q).tombstone('students', ['C1']));
    await put([{ ...student('C1', S1), grade: '3' }]); // restored with the same content

    const page = await feed(h.tokens.vendor, from, '', 7);
    expect(page.items.map((c) => `${c.op} ${c.key}@${c.schoolCode}`)).toEqual([
      `create C1@${S1}`,
      `create C2@${S1}`,
      `update C1@${S1}`,
      `delete C2@${S1}`,
      `create C2@${S2}`,
      `delete C1@${S1}`,
      `create C1@${S1}`,
    ]);
    expect(page.items[0]?.url).toBe(`/v1/schools/${S1}/students/C1`);
    expect(page.items.find((c) => c.op === 'delete')?.url).toBeNull();

    // Polling at the end gives nothing new and the same position.
    const again = await feed(h.tokens.vendor, page.nextCursor);
    expect(again.items).toEqual([]);
    expect(again.nextCursor).toBe(page.nextCursor);

    // One school only; the other vendor sees only its own; a city admin sees them all.
    const s2 = await feed(h.tokens.vendor, from, `&schoolCode=${S2}`);
    expect(s2.items.map((c) => c.key)).toEqual(['C2']);
    const other = await feed(h.tokens.other, from);
    expect(other.items.map((c) => `${c.op} ${c.key}`)).toEqual(['create C9']);
    const admin = await feed(h.tokens.admin, from, '', 8);
    expect(admin.items).toHaveLength(8);
    expectProblem(
      await h.get(`/v1/changes?schoolCode=${OTHER}`, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCHOOL',
    );
  });

  it('paging never skips a change where the sequence gains a digit (99 → 100) inside one transaction', async () => {
    const from = changeCursor(await lastPosition());
    // (tx, seq) is the key, so an earlier transaction's seq 95..104 cannot collide with this one's.
    await h.env.deps.db.query('ALTER TABLE truc.record_changes ALTER COLUMN seq RESTART WITH 95');
    const codes = Array.from({ length: 10 }, (_, i) => `D${i}`);
    await put(codes.map((c) => student(c, S1))); // one transaction: seq 95..104
    await feed(h.tokens.vendor, from, '', 10); // until all ten are served
    const seen: string[] = [];
    let cursor = from;
    for (let i = 0; i < 10; i++) {
      const res = await h.get(`/v1/changes?limit=4&cursor=${cursor}`, h.tokens.vendor);
      const page = res.json<ChangePage>();
      if (page.items.length === 0) break;
      seen.push(...page.items.map((c) => c.key));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(codes);
  });

  it('serves the ChangePage of the spec field for field: odd keys, a school, deletes (the page is built in SQL)', async () => {
    const position = await lastPosition();
    // Keys encodeURIComponent keeps, escapes (ASCII, UTF-8 of 2, 3 and 4 bytes) and JSON escapes.
    const odd = ["K1-._~!*'()", 'K2 "q"\\/?#[]@:;,=+$&%<>^`{|}', 'K3 Đặng é 中 😀', 'K4\ttab\nline\u0001'];
    await put(odd.map((c) => student(c, S1)));
    await h.env.deps.db.tx(async (q) => {
      await createRecordsRepo(q).upsert(
        'schools',
        [{ key: S1, scope: S1, data: { schoolCode: S1, name: 'Trường A' }, fingerprint: 'f'.repeat(64) }],
        { system: 'vendor', mappingVersion: 'canonical@1' },
      );
      await createRecordsRepo(q).tombstone('students', [odd[1]!]);
    });
    const stored = await h.env.deps.db.query<{
      entity: string;
      key: string;
      schoolCode: string;
      op: string;
      changedAt: Date;
    }>(
      `SELECT r.entity, k.key, r.school_code AS "schoolCode", r.op, r.changed_at AS "changedAt"
         FROM truc.record_changes r CROSS JOIN LATERAL unnest(r.record_keys) WITH ORDINALITY AS k(key, i)
        WHERE r.school_code = $1 AND (r.tx, r.seq) > ($2::xid8, $3::bigint)
        ORDER BY r.tx, r.seq, k.i`,
      [S1, position.tx, position.seq],
    );
    // What the route answered when it built each item in JavaScript (before the page came from SQL).
    const expected = stored.rows.map((r) => ({
      entity: r.entity,
      key: r.key,
      schoolCode: r.schoolCode,
      op: r.op,
      changedAt: r.changedAt.toISOString(),
      url:
        r.op === 'delete'
          ? null
          : r.entity === 'schools'
            ? `/v1/schools/${encodeURIComponent(r.schoolCode)}`
            : `/v1/schools/${encodeURIComponent(r.schoolCode)}/${r.entity}/${encodeURIComponent(r.key)}`,
    }));
    expect(expected.map((c) => `${c.op} ${c.entity}`)).toEqual([
      ...odd.map(() => 'create students'),
      'create schools',
      'delete students',
    ]);
    await feed(h.tokens.vendor, changeCursor(position), `&schoolCode=${S1}`, expected.length);
    const res = await h.get(
      `/v1/changes?limit=1000&schoolCode=${S1}&cursor=${changeCursor(position)}`,
      h.tokens.vendor,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json<ChangePage>();
    expect(body.items).toStrictEqual(expected);
    expect(body.items[2]?.url).toBe(
      '/v1/schools/' + S1 + '/students/K3%20%C4%90%E1%BA%B7ng%20%C3%A9%20%E4%B8%AD%20%F0%9F%98%80',
    );
    const validate = changePageValidator();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    // The cursor is the last change's position: nothing after it.
    const next = await h.get(`/v1/changes?schoolCode=${S1}&cursor=${body.nextCursor}`, h.tokens.vendor);
    expect(next.json<ChangePage>()).toStrictEqual({ items: [], nextCursor: body.nextCursor });
  });

  // One PGlite session runs one transaction at a time: commits cannot overtake each other there.
  it.skipIf(backend.database === 'pglite')(
    'a change committed after a later transaction’s is not skipped: the feed holds the later one back',
    async () => {
      const from = changeCursor(await lastPosition());
      const early = await h.env.deps.db.connect();
      const inEarly = onConnection(early);
      try {
        await early.query('BEGIN');
        await createRecordsRepo(inEarly).upsert(
          'students',
          [{ key: 'L1', scope: S1, data: student('L1', S1), fingerprint: fingerprint(student('L1', S1)) }],
          { system: 'vendor', mappingVersion: 'canonical@1' },
        ); // the earlier transaction id, still running
        await put([student('L2', S1)]); // a later transaction, committed first
        const during = await feed(h.tokens.vendor, from, `&schoolCode=${S1}`);
        expect(during.items.map((c) => c.key)).not.toContain('L2');
        await early.query('COMMIT');
        const after = await feed(h.tokens.vendor, during.nextCursor, `&schoolCode=${S1}`, 2);
        expect(after.items.map((c) => c.key)).toEqual(['L1', 'L2']);
      } finally {
        await early.query('ROLLBACK').catch(() => undefined);
        early.release();
      }
    },
  );

  it('refuses cursors it did not issue with a 400, never a 500', async () => {
    for (const bad of [
      '%%%',
      'bm90IGpzb24',
      Buffer.from('{"t":"x","s":"1"}').toString('base64url'),
      'a'.repeat(600),
    ]) {
      const res = await h.get(`/v1/changes?cursor=${bad}`, h.tokens.vendor);
      expect([400]).toContain(res.statusCode);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expectProblem(
      await h.get(
        `/v1/schools/${S1}/students?cursor=${Buffer.from('{"k":1}').toString('base64url')}`,
        h.tokens.vendor,
      ),
      400,
      'ERR_INVALID_CURSOR',
    );
    expectProblem(
      await h.get(`/v1/schools/${S1}/students/%2E%2E%2Fetc`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
  });
});
