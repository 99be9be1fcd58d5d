/**
 * `truc sim moet-pcgd --persons FILE`: the file's survey records are served, paged, for the communes
 * it contains; other communes keep the seeded population; a bad line is refused by line and field.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMoetPcgdClient } from '../../../src/adapters/moet-pcgd/index.js';
import {
  startMoetPcgdSimulator,
  type MoetPcgdSimulator,
} from '../../../src/simulators/moet-pcgd/simulator.js';
import { readSurveyFile } from '../../../src/simulators/moet-pcgd/survey-file.js';
import { makeTempDir, type TempDir } from '../../helpers/env.js';

const COMMUNE = '25747';
const record = (i: number) => ({
  maDoiTuong: `FILE-${i}`,
  maXa: COMMUNE,
  soHo: 'KP01-1',
  hoTen: 'Nguyễn Văn An',
  ngaySinh: '15/03/2020',
  gioiTinh: 'Nam',
  danToc: 'Kinh',
  soDinhDanh: null,
  loaiCuTru: 'Thường trú',
  lopDangHoc: null,
  truongDangHoc: null,
  namTotNghiepMN: null,
  namTotNghiepTH: null,
  namTotNghiepTHCS: null,
  namTotNghiepTHPT: null,
  namTotNghiepNghe: null,
  boHoc: null,
  bietChu: 'Chưa biết chữ',
  khuyetTat: null,
  chuyenDi: false,
  daChet: false,
});

describe('moet-pcgd simulator with a survey file', () => {
  let dir: TempDir;
  let sim: MoetPcgdSimulator;

  beforeAll(async () => {
    dir = await makeTempDir('truc-survey-');
    const file = join(dir.path, 'persons.jsonl');
    writeFileSync(file, [1, 2, 3].map((i) => JSON.stringify(record(i))).join('\n') + '\n');
    sim = await startMoetPcgdSimulator({
      seed: 1,
      personsPerCommune: 5,
      clientId: 'c',
      clientSecret: 's',
      surveyFile: readSurveyFile(file),
    });
  });
  afterAll(async () => {
    await sim?.close();
    await dir?.remove();
  });

  it('serves the file’s records, paged, for its communes and the population elsewhere', async () => {
    const client = createMoetPcgdClient({ baseURL: sim.url, clientId: 'c', clientSecret: 's' });
    const pages: string[][] = [];
    for await (const page of client.listPersons(COMMUNE, 2026, { limit: 2 }))
      pages.push(page.items.map((p) => p.maDoiTuong));
    expect(pages).toEqual([['FILE-1', 'FILE-2'], ['FILE-3']]);
    const other = '25750';
    let n = 0;
    for await (const page of client.listPersons(other, 2026))
      n += page.items.filter((p) => !p.maDoiTuong.startsWith('FILE')).length;
    expect(n).toBeGreaterThan(0);
  });

  it('refuses a bad line by its number and field, without its values', () => {
    const bad = join(dir.path, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(record(1))}\n${JSON.stringify({ ...record(2), maXa: 'Nguyễn' })}\n`);
    expect(() => readSurveyFile(bad)).toThrow(/bad\.jsonl:2: not a moet-pcgd person record \(maXa\)/);
    expect(() => readSurveyFile(bad)).not.toThrow(/Nguyễn/);
  });
});
