/**
 * fix30b: wording slips of the CLI's and the demo's lines. An English count agrees with its noun (`1 school`, was
 * `1 schools`; `1 more 6-year-old`, was `1 more 6-year-olds`); a guard hold of a vendor's batch names the batch once
 * (`batch 42`, was `batch, batch 42`); a dead letter's replay says what its work maps with, and that the mapping
 * choice does not apply to a work that maps nothing in (was `no mapping` under `replayed 1 (mapping: current)`);
 * `truc pcgd verify` says the signing time on Vietnam's clock, the zone named (was UTC, ISO).
 */
import { describe, expect, it } from 'vitest';
import { countEn, entityCountEn } from '../../../src/config.js';
import { replayedLine } from '../../../src/cli/commands/dead-letters.js';
import { headLine } from '../../../src/cli/commands/hold-show.js';
import { startProgress } from '../../../src/cli/progress.js';
import { operationsLines } from '../../../src/demo/operations.js';
import { pcgdLines } from '../../../src/demo/pcgd.js';
import { summaryLines } from '../../../src/demo/summary.js';
import { signedAtWords, verdictOf } from '../../../src/reporting/pcgd/verify-rules.js';
import type { GuardHoldSummary } from '../../../src/store/guard-holds.js';
import { heldHoldSummary } from '../../helpers/guard-hold.js';
import { expectViThenEn } from '../../helpers/vietnamese-half.js';

const BASE = 'http://127.0.0.1:8080';

describe('an English count agrees with its noun', () => {
  it('countEn and entityCountEn', () => {
    expect([0, 1, 2].map((n) => countEn(n, 'school'))).toEqual(['0 schools', '1 school', '2 schools']);
    expect(countEn(1, 'batch', 'batches')).toBe('1 batch');
    expect(countEn(3, 'batch', 'batches')).toBe('3 batches');
    expect(entityCountEn(1, 'classes')).toBe('1 class');
    expect(entityCountEn(1, 'staff')).toBe('1 staff');
    expect(entityCountEn(2, 'persons')).toBe('2 persons');
  });

  it("the demo's summary, PCGD-XMC and operations lines for one of each", () => {
    const client = {
      clientId: 'cl',
      clientSecret: 's',
      name: 'x',
      role: 'vendor' as const,
      schools: [],
      units: [],
      scopes: [],
    };
    const text = [
      ...summaryLines(
        { 'hcm-csdl': `${BASE}1` },
        BASE,
        '/tmp/demo',
        { admin: client, auditor: client, smas: client, vnedu: client },
        {
          batches: [
            {
              vendor: 'smas',
              school: '79000001',
              entity: 'students',
              format: 'canonical',
              statusUrl: '/v1/batches/1',
              status: 'done',
              counts: { received: 2, accepted: 1, rejected: 1, unchanged: 0 },
            },
          ],
          atSim: 1,
          syncs: [
            { status: 'done', system: 'moet-pcgd', entity: 'persons', records: 1, pages: 1 },
            { status: 'done', system: 'moet-pcgd', entity: 'persons', records: 2, pages: 1 },
          ],
        },
        {
          counts: { schools: 1, students: 1, staff: 1, persons: 1 },
          findings: [
            { criterion: 'du', severity: 'warning', n: 1 },
            { criterion: 'sach', severity: 'error', n: 4 },
          ],
          dead: 1,
          audit: { ok: true, rows: 1, head: 'ab' },
        },
      ),
      ...pcgdLines(
        {
          ok: true,
          unitCode: '26734',
          year: 2026,
          report: {
            reportId: 3,
            status: 'checked',
            persons: 1,
            levels: [
              { level: 'literacy_level1', met: true },
              { level: 'literacy_level2', met: true },
            ],
            receipt: null,
          },
        },
        BASE,
      ),
      ...operationsLines(
        {
          scorecards: [{ code: '26734', schools: 1, records: 1, overall: { percent: 100, band: 'green' } }],
          deadLetters: 2,
          schedules: [],
        },
        BASE,
      ),
    ].join('\n');
    expect(text).toContain('vendor batches: 1, accepted 1 student and 0 staff, rejected 1 record');
    expect(text).toContain('at hcm-csdl: 1 student received');
    expect(text).toContain('in truc: 1 school, 1 student, 1 staff, 1 survey person');
    expect(text).toContain('audit chain: OK (1 row)');
    expect(text).toContain('1 person counted');
    expect(text).toContain('1 school, 1 record');
    expect(text).toContain('to replay: 2 dead letters');
    // item 1: the Vietnamese half in Vietnamese, the store's keys and the levels' codes in words
    expect(text).toContain(
      'phát hiện: đủ 1 cảnh báo, sạch 4 lỗi / findings: complete 1 warning, clean 4 errors',
    );
    expect(text).toContain(
      'mức đạt: XMC mức độ 1; XMC mức độ 2 / levels met: Literacy, level 1; Literacy, level 2',
    );
    expect(text).toContain(
      'lượt kéo: moet-pcgd người trong điều tra PCGD 3 (2 lượt) / pulls: moet-pcgd persons 3 (2 runs)',
    );
    expect(text).not.toMatch(/\b1 [a-z ]*(schools|students|records|persons|rows)\b/);
  });

  it("a progress display's closing line for one", () => {
    let err = '';
    const p = startProgress(
      { stdout: () => undefined, stderr: (t) => (err += t) },
      { vi: 'nộp PCGD', en: 'pcgd submit' },
      { unit: { vi: 'báo cáo', en: 'reports', enOne: 'report' }, total: 1, now: () => 0 },
    );
    p.increment();
    p.stop();
    expect(err).toBe('nộp PCGD: 1 báo cáo trong 0s (0/s) / pcgd submit: 1 report in 0s (0/s)\n');
  });
});

/** A vendor's batch held. */
const hold = (over: Partial<GuardHoldSummary>): GuardHoldSummary =>
  heldHoldSummary({ id: 7, kind: 'batch', batchId: 'b-42', syncRunId: null, ...over });

describe("a guard hold's head line", () => {
  it("a vendor's batch is named once; one school, one live student", () => {
    const line = headLine(hold({}));
    expectViThenEn(line);
    expect(line).toContain(
      '/ hold 7 (batch b-42) held, created 2026-12-05 09:00 (+07): 1 school, 1 live student,',
    );
    expect(line).not.toMatch(/batch\W+batch/);
  });
});

describe("a dead letter's replay line says what its work maps with", () => {
  it('a work that maps nothing in, a pin asked: the choice does not apply (not "no mapping")', () => {
    const line = replayedLine({ id: 4, mappingVersion: null, pinned: false }, 'pinned');
    expectViThenEn(line);
    expect(line).toContain(
      'dead letter 4: its work maps no incoming data (a delivery sends records mapped when they came in): the mapping choice does not apply',
    );
  });

  it('a work that maps nothing in, the default left: no word of a choice not applying (walk5 W5-4)', () => {
    const line = replayedLine({ id: 4, mappingVersion: null, pinned: false }, 'current');
    expectViThenEn(line);
    expect(line).toContain(
      '/ dead letter 4: its work maps no incoming data (a delivery sends records mapped when they came in)',
    );
    expect(line).not.toMatch(/không áp dụng|does not apply/);
  });

  it('pinned, current, and pinned asked with no version kept', () => {
    expect(replayedLine({ id: 5, mappingVersion: 'smas/students@2', pinned: true }, 'pinned')).toContain(
      '/ dead letter 5: mapping smas/students@2, pinned (the version it first ran with)',
    );
    expect(replayedLine({ id: 5, mappingVersion: 'smas/students@3', pinned: false }, 'current')).toContain(
      '/ dead letter 5: mapping smas/students@3, the current one',
    );
    const line = replayedLine({ id: 6, mappingVersion: 'smas/students@3', pinned: false }, 'pinned');
    expectViThenEn(line);
    expect(line).toContain(
      '/ dead letter 6: mapping smas/students@3, the current one (the letter kept no version to pin)',
    );
  });
});

describe('truc pcgd verify: the signing time on Vietnam’s clock, the zone named', () => {
  it('signedAtWords', () => {
    expect(signedAtWords('2026-09-20T17:30:05.000Z')).toEqual({
      vi: '2026-09-21 00:30:05 giờ Việt Nam (Asia/Ho_Chi_Minh)',
      en: '2026-09-21 00:30:05 Vietnam time (Asia/Ho_Chi_Minh)',
    });
    expect(signedAtWords(undefined)).toEqual({ vi: '?', en: '?' });
  });

  it("the verdict's line", () => {
    const v = verdictOf(
      {
        ok: true,
        trusted: true,
        signerSubject: 'CN=truc PCGD 26995',
        signingTime: '2026-09-20T03:00:00.000Z',
      },
      { trustedGiven: true, unitCode: '26995' },
    );
    expect(v.line).toBe(
      'chữ ký hợp lệ: ký bởi CN=truc PCGD 26995 lúc 2026-09-20 10:00:00 giờ Việt Nam (Asia/Ho_Chi_Minh), chứng thư được tin cậy / ' +
        'signature OK: signed by CN=truc PCGD 26995 at 2026-09-20 10:00:00 Vietnam time (Asia/Ho_Chi_Minh), certificate trusted',
    );
  });
});
