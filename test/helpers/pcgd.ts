/**
 * PCGD test data: the hand-computed fixture's persons and students (test/fixtures/pcgd/communes.ts)
 * stored as ingest stores them, and a few generated persons in each of many communes.
 */
import { execFileSync } from 'node:child_process';
import { PersonSchema, type Person } from '../../src/canonical/person.js';
import { StudentSchema } from '../../src/canonical/student.js';
import type { Db } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { PERSONS, STUDENTS } from '../fixtures/pcgd/communes.js';

async function storePersons(db: Db, list: readonly Person[]): Promise<void> {
  const persons = list.map((p) => PersonSchema.parse(p));
  await createRecordsRepo(db).upsert(
    'persons',
    persons.map((p) => ({
      key: p.personRef,
      scope: p.communeCode,
      personalId: p.personalId,
      data: p,
      fingerprint: fingerprint(p),
    })),
    { system: 'moet-pcgd', mappingVersion: 'moet-pcgd/persons@1' },
  );
}

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
  await createRecordsRepo(db).upsert(
    'students',
    students.map((s) => ({
      key: s.studentCode,
      scope: s.schoolCode,
      personalId: s.personalId,
      data: s,
      fingerprint: fingerprint(s),
    })),
    { system: 'hcm-csdl', mappingVersion: 'hcm-csdl/students@1' },
  );
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
