/**
 * The hcm-csdl client tells a page's next cursor from the body's text, before the page is decoded and
 * checked (issue 7: the pull asks for the next page meanwhile): a hint, given only for a 2xx answer.
 */
import nock from 'nock';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHcmCsdlClient } from '../../../src/adapters/hcm-csdl/client.js';
import { createHcmCsdlAdapter } from '../../../src/adapters/hcm-csdl/index.js';
import { buildSources } from '../../../src/jobs/sources.js';
import { peekStringField } from '../../../src/adapters/wire.js';
import { AppError } from '../../../src/errors.js';

const BASE = 'http://hcm-csdl.test';
const client = () => createHcmCsdlClient({ baseURL: BASE, clientId: 'c', clientSecret: 's', maxRetries: 0 });
const withToken = () =>
  nock(BASE).post('/oauth/token').reply(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 });

afterEach(() => {
  nock.cleanAll();
});

describe('hcm-csdl client: the next cursor ahead of the page', () => {
  it('tells the cursor from the body before the page is checked: given even when the page then fails its schema', async () => {
    withToken();
    // The cursor first (as the simulator streams it), then records the wire schema refuses.
    nock(BASE)
      .get('/v1/students')
      .query(true)
      .reply(200, '{"nextCursor":"c\\u00e92","watermark":"2025-10-01T00:00:00Z","data":[{"x":1}]}', {
        'content-type': 'application/json',
      });
    const hints: string[] = [];
    const err = await client()
      .fetchPage('students', { onNextCursor: (c) => hints.push(c) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_ADAPTER_RESPONSE_INVALID');
    expect(hints).toEqual(['cé2']);
  });

  it('tells the cursor of a valid page (at its end too), and nothing for the last page or a refusal', async () => {
    withToken();
    nock(BASE)
      .get('/v1/students')
      .query({ limit: 1000, cursor: 'c1' })
      .reply(200, { data: [], watermark: '2025-10-01T00:00:00Z', nextCursor: 'c2' })
      .get('/v1/students')
      .query({ limit: 1000, cursor: 'c2' })
      .reply(200, { data: [], watermark: '2025-10-01T00:00:00Z' })
      .get('/v1/students')
      .query({ limit: 1000, cursor: 'c3' })
      .reply(400, { error: { code: 'INVALID_REQUEST', message: 'x' }, nextCursor: 'c4' });
    const hints: string[] = [];
    const c = client();
    const onNextCursor = (cursor: string) => hints.push(cursor);
    expect((await c.fetchPage('students', { cursor: 'c1', onNextCursor })).nextCursor).toBe('c2');
    expect((await c.fetchPage('students', { cursor: 'c2', onNextCursor })).nextCursor).toBeUndefined();
    await expect(c.fetchPage('students', { cursor: 'c3', onNextCursor })).rejects.toThrow(AppError);
    expect(hints).toEqual(['c2']);
  });
});

describe('hcm-csdl client: the next cursor from the head of the body', () => {
  it('tells the cursor at the head of a body as soon as it arrives, before the rest of the page is in', async () => {
    withToken();
    const body = new PassThrough();
    nock(BASE)
      .get('/v1/students')
      .query(true)
      .reply(200, () => body, { 'content-type': 'application/json' });
    const hints: string[] = [];
    const page = client().fetchPage('students', { onNextCursor: (c) => hints.push(c) });
    // The head, cut inside the cursor: nothing to tell yet.
    body.write('{"nextCursor":"c');
    body.write('2","watermark":"2025-10-01T00:00:00Z","data":[');
    await vi.waitFor(() => expect(hints).toEqual(['c2']), { timeout: 5_000, interval: 5 });
    body.end(']}');
    expect((await page).nextCursor).toBe('c2');
    expect(hints).toEqual(['c2']);
  });
});

describe('hcm-csdl client: a page read as bytes (issue 7)', () => {
  it('reads a large page piece by piece, with no string of its whole body, and tells a cursor past its head', async () => {
    withToken();
    const data = Array.from({ length: 2000 }, (_, i) => ({
      maDinhDanh: `HS${i}`,
      maTruong: '79000701',
      namHoc: '2026-2027',
      hoTen: 'Nguyễn Thị Ánh Tuyết',
      ngaySinh: '2015-03-09',
      gioiTinh: 'Nữ',
      maDanToc: '01',
      trangThai: 'Đang học',
      updatedAt: '2026-09-01T00:00:00Z',
    }));
    const body = JSON.stringify({ data, watermark: '2026-09-01T00:00:00Z', nextCursor: 'c\u00e9-next' });
    expect(Buffer.byteLength(body)).toBeGreaterThan(128 * 1024);
    nock(BASE).get('/v1/students').query(true).reply(200, body, { 'content-type': 'application/json' });
    const hints: string[] = [];
    const toString = vi.spyOn(Buffer.prototype, 'toString');
    try {
      const page = await client().fetchPage('students', { onNextCursor: (c) => hints.push(c) });
      expect(page.data).toEqual(data);
      expect(page.nextCursor).toBe('cé-next');
      // Every text made of a buffer is under 128 KB (the token's answer, the head, the page's pieces).
      toString.mock.calls.forEach(([, from, to], i) => {
        const self = toString.mock.contexts[i] as Buffer;
        const span = (to === undefined ? self.length : Number(to)) - (from === undefined ? 0 : Number(from));
        expect(span).toBeLessThan(128 * 1024);
      });
    } finally {
      toString.mockRestore();
    }
    expect(hints).toEqual(['cé-next']);
  });
});

describe("hcm-csdl client: each record's bytes as received (issue 7)", () => {
  it("tells each record's bytes as the body has them, in order; the pull source drops a tombstone's with it", async () => {
    const student = (code: string, name: string) => ({
      maDinhDanh: code,
      maTruong: '79000701',
      namHoc: '2026-2027',
      hoTen: name,
      ngaySinh: '2015-03-09',
      gioiTinh: 'Nữ',
      maDanToc: '01',
      trangThai: 'Đang học',
      updatedAt: '2026-09-01T00:00:00Z',
    });
    // As a system may write them: spaces, an escape, a tombstone between two records.
    const texts = [
      JSON.stringify(student('HS1', 'Nguyễn Thị Ánh')),
      JSON.stringify(student('HS2', 'Lê Hà'), null, 1).replace('Lê', '\\u004c\\u00ea'),
      '{"maDinhDanh":"HS3","updatedAt":"2026-09-01T00:00:00Z","deleted":true}',
      JSON.stringify(student('HS4', 'Võ "Khôi"')),
    ];
    const body = `{"data": [ ${texts.join(' ,\n')} ], "watermark":"2026-09-01T00:00:00Z"}`;
    const reply = () =>
      nock(BASE).get('/v1/students').query(true).reply(200, body, { 'content-type': 'application/json' });
    withToken();
    reply();
    const page = await client().fetchPage('students', {});
    expect(page.data.map((r) => r.maDinhDanh)).toEqual(['HS1', 'HS2', 'HS3', 'HS4']);
    expect(page.bytes?.map((b) => Buffer.from(b).toString('utf8'))).toEqual(texts);

    withToken();
    reply();
    const adapter = createHcmCsdlAdapter({ baseURL: BASE, clientId: 'c', clientSecret: 's', maxRetries: 0 });
    const source = buildSources({ 'hcm-csdl': adapter })['hcm-csdl']!;
    const pulled = await source.page('students', {});
    expect(pulled.deletedKeys).toEqual(['HS3']);
    expect(pulled.items.map((r) => (r as { maDinhDanh: string }).maDinhDanh)).toEqual(['HS1', 'HS2', 'HS4']);
    expect(pulled.itemBytes?.map((b) => Buffer.from(b).toString('utf8'))).toEqual([
      texts[0],
      texts[1],
      texts[3],
    ]);
  });
});

describe('peekStringField', () => {
  it('reads a string field from JSON text, escapes and spacing included; undefined when absent or not a string', () => {
    expect(peekStringField('{"a":1,"nextCursor" : "x\\"y"}', 'nextCursor')).toBe('x"y');
    expect(peekStringField('{"data":[],"nextCursor":"abc"}', 'nextCursor')).toBe('abc');
    expect(peekStringField('{"data":[]}', 'nextCursor')).toBeUndefined();
    expect(peekStringField('{"nextCursor":null}', 'nextCursor')).toBeUndefined();
    expect(peekStringField('{"nextCursor":"unterminated', 'nextCursor')).toBeUndefined();
  });
});
