/**
 * Issue 9: the batch body in the committed spec is a `oneOf` by format and entity, each branch typing
 * its records with that format's own record schema (so the generated client types the payload).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withRecordSchemas } from '../../../src/api/record-schemas.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = JSON.parse(readFileSync('openapi/truc.v1.json', 'utf8')) as Json;
const schemas = spec.components.schemas as Record<string, Json>;
const deref = (s: Json): Json => schemas[String(s.$ref).replace('#/components/schemas/', '')]!;

describe('batch body: records per format in the OpenAPI document', () => {
  it('is a oneOf of canonical, smas and vnedu batches of students, staff and classes', () => {
    const body =
      spec.paths['/v1/schools/{schoolCode}/batches'].post.requestBody.content['application/json'].schema;
    const branches = (deref(body).oneOf as Json[]).map(deref);
    const pairs = branches.map((b) => `${b.properties.format.const}/${b.properties.entity.const}`);
    for (const format of ['canonical', 'smas', 'vnedu'])
      for (const entity of ['students', 'staff', 'classes']) expect(pairs).toContain(`${format}/${entity}`);
    for (const b of branches) {
      expect(b.additionalProperties).toBe(false);
      expect(b.required).toContain('records');
      if (b.properties.format.const !== 'canonical') expect(b.required).toContain('format');
    }
  });

  it('types each format’s records with its own fields (canonical names, SMAS and vnEdu wire names)', () => {
    const record = (name: string) => Object.keys(schemas[name]!.properties as Json);
    expect(record('CanonicalStudentsRecord')).toEqual(expect.arrayContaining(['studentCode', 'birthDate']));
    expect(record('SmasStudentsRecord')).toEqual(expect.arrayContaining(['MaHocSinh', 'NgaySinh']));
    expect(schemas.CanonicalStudentsRecord!.required).toEqual(expect.arrayContaining(['studentCode']));
    expect(schemas.VneduStudentsRecord).toBeDefined();
  });

  it('leaves a document without a batch body alone', () => {
    const doc = { components: { schemas: { Other: { type: 'object' } } } };
    expect(withRecordSchemas(structuredClone(doc))).toEqual(doc);
  });
});
