/**
 * PCGD test data: the hand-computed fixture's persons and students (test/fixtures/pcgd/communes.ts)
 * stored as ingest stores them, and a few generated persons in each of many communes.
 */
import { execFileSync } from 'node:child_process';
import { PersonSchema, type Person } from '../../src/canonical/person.js';
import { StudentSchema } from '../../src/canonical/student.js';
import type { Db } from '../../src/store/db.js';
import type { JobRun } from '../../src/jobs/define.js';
import {
  startMoetPcgdSimulator,
  type MoetPcgdSimulator,
  type MoetPcgdSimulatorOptions,
} from '../../src/simulators/moet-pcgd/simulator.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { PERSONS, STUDENTS } from '../fixtures/pcgd/communes.js';

/** The credentials truc's tests use with the Ministry's simulator. */
export const PCGD_SIM_CLIENT = { clientId: 'truc-test', clientSecret: 'test-secret-moet-pcgd' } as const;

/** The Ministry's simulator with no generated persons, its clock at `today` (or as `extra` says). */
export function startPcgdSimulator(
  today: () => Date,
  extra: Partial<MoetPcgdSimulatorOptions> = {},
): Promise<MoetPcgdSimulator> {
  return startMoetPcgdSimulator({ seed: 1, personsPerCommune: 0, ...PCGD_SIM_CLIENT, today, ...extra });
}

/** What a job's `deferUntil` threw: the job asked to wait until `until` (epoch ms). */
export class Deferred extends Error {
  constructor(readonly until: number) {
    super('deferred');
  }
}

/** A JobRun whose deferral throws {@link Deferred}, so a test sees when the job asked to wait. */
export const deferringRun = (queue: string, name: string, outboxId: number): JobRun => ({
  id: `t-${outboxId}`,
  queue,
  name,
  attempt: 1,
  outboxId,
  deferUntil: async (at) => {
    throw new Deferred(at);
  },
});

/** Stores records of `entity` as `system`'s ingest stores them: `at` gives a record's key and scope. */
async function store<T extends { personalId?: string | undefined }>(
  db: Db,
  entity: 'persons' | 'students',
  system: 'moet-pcgd' | 'hcm-csdl',
  records: readonly T[],
  at: (r: T) => { key: string; scope: string },
): Promise<void> {
  await createRecordsRepo(db).upsert(
    entity,
    records.map((r) => ({ ...at(r), personalId: r.personalId, data: r, fingerprint: fingerprint(r) })),
    { system, mappingVersion: `${system}/${entity}@1` },
  );
}

const storePersons = (db: Db, list: readonly Person[]) =>
  store(
    db,
    'persons',
    'moet-pcgd',
    list.map((p) => PersonSchema.parse(p)),
    (p) => ({
      key: p.personRef,
      scope: p.communeCode,
    }),
  );

/** Stores the fixture's persons (communes A, B, C) and its enrolled students. */
export async function seedFixture(db: Db): Promise<void> {
  await storePersons(db, PERSONS);
  const students = STUDENTS.map((s) =>
    StudentSchema.parse({
      studentCode: s.code,
      schoolCode: '79000001',
      schoolYear: s.schoolYear,
      personalId: s.personalId,
      fullName: s.fullName ?? 'Nguyễn Văn An',
      fatherName: s.fatherName,
      motherName: s.motherName,
      guardianName: s.guardianName,
      birthDate: s.born,
      sex: 'male',
      ethnicityCode: '01',
      status: s.status,
    }),
  );
  await store(db, 'students', 'hcm-csdl', students, (s) => ({ key: s.studentCode, scope: s.schoolCode }));
}

/** Stores `perCommune` persons (copies of the fixture's first ones, new refs) in each commune. */
export async function seedCommunes(db: Db, communes: readonly string[], perCommune = 3): Promise<void> {
  const template = PERSONS.slice(0, perCommune);
  const list = communes.flatMap((code) =>
    template.map((p, i) => {
      const { personalId: _id, ...rest } = p;
      return { ...rest, personRef: `GEN${code}-${i}`, communeCode: code };
    }),
  );
  await storePersons(db, list);
}

/** The text of a PDF, lines joined by spaces (pdfjs-dist, as a reader extracts it). */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const parts: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    for (const item of content.items) if ('str' in item) parts.push(item.str);
  }
  return parts.join(' ').replace(/\s+/g, ' ');
}

/** The sheet names of a PCGD workbook and its indicator rows: code → [numerator, denominator]. */
export async function workbookFigures(
  xlsx: Uint8Array,
): Promise<{ sheets: string[]; figures: Record<string, [number, number]> }> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as never);
  const figures: Record<string, [number, number]> = {};
  for (const ws of wb.worksheets.slice(1))
    ws.eachRow((r) => {
      const [code, , num, den] = (r.values as unknown[]).slice(1);
      if (typeof code === 'string' && typeof num === 'number' && typeof den === 'number')
        figures[code] = [num, den];
    });
  return { sheets: wb.worksheets.map((w) => w.name), figures };
}

/**
 * `openssl cms -verify` of a detached signature (DER) over `content` against `certificate` (PEM files):
 * true when openssl 3 accepts it. An independent check of what truc signs.
 */
export function opensslVerifies(files: { content: string; signature: string; certificate: string }): boolean {
  try {
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        files.signature,
        '-content',
        files.content,
        '-CAfile',
        files.certificate,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { stdio: 'pipe' },
    );
    return true;
  } catch {
    return false;
  }
}
