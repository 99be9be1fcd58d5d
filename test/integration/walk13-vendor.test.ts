/**
 * walk13: what the API tells a vendor integrating for the first time, through the real API (PostgreSQL). A problem's
 * `instance` never echoes a path segment carrying a personal ID (a `TAM-<personal ID>` student code); a 403 for a school
 * not granted says what to do; a personal ID repeated in a batch names the first record holding it, not the ID; an
 * expired token says so in its challenge too. A smas record its mapping refuses is told its other problems at once,
 * and a repeated key's record its mapping findings once (W10-2, W9-9 as canonical pushes are).
 */
import { describe, expect, it } from 'vitest';
import { bearer, expectProblem, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { smasStudent, student } from '../factories/records.js';
import { expiredToken } from '../helpers/expired-token.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

const ID = '079220001234';

const SMAS = smasStudent();

interface Found {
  recordIndex: number;
  rule: string;
  pointer: string;
  detail?: { vi: string; en: string };
}

describe('walk13: what a vendor is told', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  it('a problem’s instance masks a path segment that may carry a personal ID, keeps the rest', async () => {
    const cases = [
      [`/v1/schools/${S1}/students/TAM-${ID}`, 404, 'ERR_NOT_FOUND', `/v1/schools/${S1}/students/***`],
      [
        `/v1/schools/${OTHER}/students/TAM-${ID}`,
        403,
        'ERR_FORBIDDEN_SCHOOL',
        `/v1/schools/${OTHER}/students/***`,
      ],
      [`/v1/schools/${S1}/students/tam-${ID}?x=1`, 400, 'ERR_VALIDATION', `/v1/schools/${S1}/students/***`],
      [`/v1/schools/${S1}/staff/0912-345-678`, 404, 'ERR_NOT_FOUND', `/v1/schools/${S1}/staff/***`],
      [
        `/v1/schools/${S1}/students/TAM%2D${ID}/x`,
        404,
        'ERR_ROUTE_NOT_FOUND',
        `/v1/schools/${S1}/students/***/x`,
      ],
    ] as const;
    for (const [url, status, code, instance] of cases) {
      const res = await h.get(url, h.tokens.vendor);
      const p = expectProblem(res, status, code) as { instance?: string };
      expect(p.instance, url).toBe(instance);
      expect(res.body, url).not.toContain(ID);
      expect(res.body, url).not.toContain('345-678');
    }
    // an id truc gave, a school code and a plain code stay as sent
    const batch = '00000000-0000-4000-8000-000000000000';
    for (const url of [`/v1/batches/${batch}`, `/v1/schools/${S1}/classes/10A1`]) {
      const p = expectProblem(await h.get(url, h.tokens.vendor), 404, 'ERR_NOT_FOUND') as {
        instance?: string;
      };
      expect(p.instance).toBe(url);
    }
  });

  it('a student code starting TAM- not of the provisional shape is a 400 saying the shape, never the digits', async () => {
    const short = ID.slice(0, 11);
    const res = await h.get(`/v1/schools/${S1}/students/TAM-${short}`, h.tokens.vendor);
    expectProblem(res, 400, 'ERR_VALIDATION');
    expect(res.body).toContain('TAM- followed by the 12-digit personal ID');
    expect(res.body).toContain('TAM- và 12 chữ số định danh cá nhân');
    expect(res.body).not.toContain(short);
    // the shape itself, unknown here, is still a 404
    expectProblem(await h.get(`/v1/schools/${S1}/students/TAM-${ID}`, h.tokens.vendor), 404, 'ERR_NOT_FOUND');
  });

  it('a 403 for a school not granted says what to do, in both languages', async () => {
    const p = expectProblem(
      await h.get(`/v1/schools/${OTHER}/students`, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCHOOL',
    );
    expect(p.detail).toContain('use the token of a client granted that school');
    expect(p.detail).toContain("ask the city's admin to grant it");
    expect(p.detail).toContain('dùng token của ứng dụng được cấp trường đó');
  });

  it('a personal ID repeated in a batch names the first record holding it, never the ID', async () => {
    const records = [
      student('A1', { schoolCode: S1, personalId: ID }),
      student('A2', { schoolCode: S1 }),
      student('A3', { schoolCode: S1, personalId: ID }),
    ];
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, {
      entity: 'students',
      format: 'canonical',
      records,
    });
    expect(res.statusCode, res.body).toBe(200);
    const found = res.json<{ findings: Found[] }>().findings;
    const dup = found.filter((f) => f.rule === 'SACH_DUPLICATE_PERSONAL_ID');
    expect(dup.map((f) => [f.recordIndex, f.pointer])).toEqual([[2, '/personalId']]);
    expect(dup[0]!.detail).toEqual({
      vi: 'Cùng số định danh với bản ghi recordIndex 0 của lô.',
      en: "Same personal ID as the batch's record at recordIndex 0.",
    });
  });

  it('an expired token says so in its challenge (RFC 6750 error_description) and its detail', async () => {
    const expired = await expiredToken(h);
    const res = await h.get(`/v1/schools/${S1}/students`, expired);
    const p = expectProblem(res, 401, 'ERR_TOKEN_INVALID');
    expect(p.detail).toContain('the token has expired, get a new one');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="truc", error="invalid_token", error_description="The access token expired"',
    );
    // a token refused for another reason names no expiry
    const bad = await h.app.inject({
      method: 'GET',
      url: `/v1/schools/${S1}/students`,
      headers: bearer('x.y.z'),
    });
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="truc", error="invalid_token"');
  });

  /** A dry run's findings of `records` in `format`, each `index rule pointer`. */
  const dryRun = async (format: string, records: unknown[]): Promise<Found[]> => {
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, {
      entity: 'students',
      format,
      records,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ findings: Found[] }>().findings.filter((f) => f.recordIndex >= 0);
  };
  const said = (fs: Found[]): string[] => fs.map((f) => `${f.recordIndex} ${f.rule} ${f.pointer}`);

  it('W10-2: a smas record its mapping refuses is told its other problems at once', async () => {
    const [y, m, d] = vietnamDay(Date.now() + 400 * 86_400_000).split('-');
    const found = said(await dryRun('smas', [{ ...SMAS, GioiTinh: 'X', NgaySinh: `${d}/${m}/${y}` }]));
    expect(found).toContain('0 MAP_UNKNOWN_CODE /GioiTinh');
    expect(found).toContain('0 DUNG_DATE_IN_FUTURE /NgaySinh');
    // nothing more at the refused field
    expect(found.filter((f) => f.endsWith('/GioiTinh'))).toEqual(['0 MAP_UNKNOWN_CODE /GioiTinh']);
  });

  it('W9-9: a smas record sent twice is told its mapping findings once', async () => {
    const rec = { ...SMAS, LoaiKhuyetTat: 'zzz' };
    const found = said(await dryRun('smas', [rec, rec]));
    expect(found).toContain('0 MAP_UNKNOWN_CODE /LoaiKhuyetTat');
    expect(found.filter((f) => f.startsWith('1 '))).toEqual(['1 SACH_DUPLICATE_IN_BATCH ']);
  });
});
