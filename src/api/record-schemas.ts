/**
 * The records of a batch, per format and entity, for the OpenAPI document (issue 9): the request body
 * of `POST /v1/schools/{schoolCode}/batches` becomes a `oneOf` of one branch per format (`canonical`,
 * `smas`, `vnedu`) and entity, each listing its records' own schema (truc's canonical schema, or the
 * system's wire schema a native push is checked against), so a typed client types the payload.
 *
 * The route itself still accepts any object as a record and judges each one in ingest (a bad record
 * is a finding, not a 400 for the whole batch): this describes what a good record is, it validates
 * nothing. A `discriminator` object is not used: `format` is optional (default `canonical`), and
 * OpenAPI requires a discriminator property in every branch; the branches are still told apart by
 * their `format` and `entity` constants.
 *
 * Each field of a native record (W5-11) says what its format's mapping reads there: the accepted values
 * (`enum`) or pattern, and a short description in both languages, generated from the mapping itself
 * (src/mappings/school-system-docs.ts), so a vendor writes a SMAS or vnEdu batch from this document alone. Every
 * field of every format has an example (./record-examples.ts, as each mapping writes it); a field the mapping
 * does not read says so.
 */
import { z } from 'zod';
import { smasRecordSchemas } from '../adapters/smas/schema.js';
import { vneduRecordSchemas } from '../adapters/vnedu/schema.js';
import { ENTITY_SCHEMAS } from '../canonical/entities.js';
import { VENDOR_ENTITIES } from '../canonical/systems.js';
import { nativeRecordDocs, type WireFieldDoc } from '../jobs/native-record-docs.js';
import { EXAMPLE_RECORDS } from './record-examples.js';

type Json = Record<string, unknown>;
type Entity = keyof typeof EXAMPLE_RECORDS;

const FORMATS: Record<string, Partial<Record<string, z.ZodType>>> = {
  canonical: ENTITY_SCHEMAS,
  smas: smasRecordSchemas,
  vnedu: vneduRecordSchemas,
};

const NOT_READ = 'Không được truc đọc / not read by truc';

const pascal = (s: string) => s.replace(/(^|[-_])(\w)/g, (_m, _d, c: string) => c.toUpperCase());

interface Doc {
  components?: { schemas?: Record<string, unknown> };
}

/** A value's schema with `keywords` added; a list of values replaces a number's bounds (zod's safe-integer range). */
function withKeywords(value: Json, keywords: Json): Json {
  if (!keywords.enum) return { ...value, ...keywords };
  const { minimum: _min, maximum: _max, ...rest } = value;
  return { ...rest, ...keywords };
}

/**
 * One wire field with what its mapping reads: the keywords on the value (beside `null` when the field may be
 * null: in the non-null branch of an `anyOf`, or `null` added to an `enum`), its description and its example.
 */
function documentedField(field: Json, doc: WireFieldDoc | undefined, example: unknown): Json {
  const keywords = doc?.keywords ?? {};
  const extra = {
    description: doc?.description ?? NOT_READ,
    ...(example === undefined ? {} : { examples: [example] }),
  };
  if (Array.isArray(field.anyOf)) {
    const anyOf = (field.anyOf as Json[]).map((b) => (b.type === 'null' ? b : withKeywords(b, keywords)));
    return { ...field, anyOf, ...extra };
  }
  const nullable = Array.isArray(field.type) && field.type.includes('null');
  const values = keywords.enum as unknown[] | undefined;
  const nulled = values && nullable ? { enum: [...values, null] } : {};
  return { ...withKeywords(field, keywords), ...nulled, ...extra };
}

/** The JSON Schema of one record, as its input (what a vendor sends), each field documented and exemplified. */
function recordSchema(format: string, entity: Entity, schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete json.$schema;
  const native = nativeRecordDocs(format, entity);
  const example = native ? native.write(EXAMPLE_RECORDS[entity]) : (EXAMPLE_RECORDS[entity] as Json);
  const props = json.properties as Record<string, Json>;
  for (const [name, field] of Object.entries(props)) {
    props[name] = native
      ? documentedField(field, native.fields[name], example[name])
      : { ...field, ...(example[name] === undefined ? {} : { examples: [example[name]] }) };
  }
  return json;
}

/**
 * Replaces the document's batch request schema (`BatchRequestInput`, generated from the route's
 * loose body schema) with the `oneOf` above, adding one component per record schema and per branch.
 */
export function withRecordSchemas<T>(doc: T): T {
  const schemas = (doc as Doc).components?.schemas;
  const loose = schemas?.BatchRequestInput as Json | undefined;
  if (!schemas || !loose) return doc;
  const props = loose.properties as Record<string, Json>;
  const branches: Json[] = [];
  for (const [format, bySchema] of Object.entries(FORMATS)) {
    for (const entity of VENDOR_ENTITIES) {
      const schema = bySchema[entity];
      if (!schema) continue;
      const record = `${pascal(format)}${pascal(entity)}Record`;
      const branch = `${pascal(format)}${pascal(entity)}Batch`;
      schemas[record] = {
        ...recordSchema(format, entity, schema),
        description: `Một bản ghi ${entity} định dạng ${format} / one ${format} ${entity} record`,
      };
      schemas[branch] = {
        type: 'object',
        description: `Lô ${entity} định dạng ${format} / a batch of ${format} ${entity} records`,
        properties: {
          entity: { type: 'string', const: entity },
          format: {
            type: 'string',
            const: format,
            ...(format === 'canonical' ? { default: 'canonical' } : {}),
          },
          records: { ...props.records, items: { $ref: `#/components/schemas/${record}` } },
          ...(props.mode ? { mode: props.mode } : {}),
        },
        required: format === 'canonical' ? ['entity', 'records'] : ['entity', 'format', 'records'],
        additionalProperties: false,
      };
      branches.push({ $ref: `#/components/schemas/${branch}` });
    }
  }
  schemas.BatchRequestInput = {
    description:
      'Một lô bản ghi của một trường, theo định dạng và loại dữ liệu / a batch of one school’s records, by format and entity',
    oneOf: branches,
  };
  return doc;
}
