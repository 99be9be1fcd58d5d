import pino, { type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './error-words.js';

/**
 * Field names whose values never reach a log line: credentials, and personal data (IDs, names,
 * birth dates, phones, ethnicity, disability, addresses). Paths are matched at the top level and
 * one or two levels down, which covers request bodies, records and error details.
 */
const REDACTED_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'access_token',
  'accessToken',
  'token',
  'apiKey',
  'api_key',
  'personalId',
  'soDinhDanh',
  'so_dinh_danh',
  'cccd',
  'fullName',
  'hoTen',
  'ho_ten',
  'fatherName',
  'motherName',
  'guardianName',
  'hoTenCha',
  'hoTenMe',
  'hoTenNguoiGiamHo',
  'birthDate',
  'ngaySinh',
  'ngay_sinh',
  'dob',
  'phone',
  'dienThoai',
  'ethnicity',
  'ethnicityCode',
  'danToc',
  'disability',
  'khuyetTat',
  'address',
  'records',
  'body',
] as const;

/** A header that carries a credential (the others are in the list above). */
const FIELDS: ReadonlySet<string> = new Set<string>([...REDACTED_FIELDS, 'x-api-key']);
const CENSOR = '[redacted]';
/** The levels a field is looked for at: a line's own fields, and one and two levels down (arrays count as a level). */
const LEVELS = 3;

/**
 * `value` with every field named in {@link FIELDS}, at its top and `levels - 1` levels below, replaced by the censor;
 * the value itself (not copied) where there is none, a shallow copy of each object or array on the way to one (the
 * caller's objects are never changed). What pino's `redact` option did with this list's paths (`f`, `*.f`, `*.*.f`),
 * without parsing ~140 paths again for every field of every line (`@pinojs/redact` 0.4: ~70 µs and ~0.2 MB a request
 * line, perf10c), the request log's line of ids, route and status included.
 */
function redacted(value: unknown, levels: number): unknown {
  if (levels === 0 || typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const from = value as Record<string, unknown>;
  // An object's own enumerable keys, an array's indexes: what pino's redaction walked.
  for (const k of Object.keys(value)) {
    const v = from[k];
    const safe = FIELDS.has(k) ? CENSOR : redacted(v, levels - 1);
    if (safe === v) continue;
    copy ??= Array.isArray(value)
      ? value.slice()
      : (Object.assign(
          Object.create(Object.getPrototypeOf(value) as object | null) as object,
          value,
        ) as Record<string, unknown>);
    (copy as Record<string, unknown>)[k] = safe;
  }
  return copy ?? value;
}

/**
 * A line's fields (or a child logger's bindings) as written: `err` and `error` serialized ({@link serializeError}),
 * then every personal or secret field censored ({@link redacted}), the serialized errors' fields too.
 */
function safeFields(obj: Record<string, unknown>): Record<string, unknown> {
  let fields = obj;
  for (const key of ['err', 'error'] as const) {
    if (!Object.hasOwn(obj, key) || obj[key] === undefined) continue;
    if (fields === obj) fields = { ...obj };
    fields[key] = serializeError(obj[key]);
  }
  return redacted(fields, LEVELS) as Record<string, unknown>;
}

function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // PostgreSQL's values, statements, requests and bodies never written (./error-words.ts), nor personal fields:
    // both done by the formatters, before pino's serializers, so `err` is taken as they wrote it (pino's own
    // serializer of `err` would write it again), and without pino's `redact`.
    serializers: { err: (written: unknown) => written },
    base: { service: 'truc' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: safeFields, bindings: safeFields },
  };
}

/**
 * truc's logger. A child's bindings are made safe ({@link safeFields}) before pino takes them: pino gives a child
 * no bindings formatter of its own (fastify's request loggers are children), and its children inherit this `child`.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const logger = destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
  // pino's own `child`, called on whichever logger (this one or a child) is asked: not bound.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const child = logger.child;
  logger.child = function safeChild(this: Logger, bindings, options) {
    return child.call(this, safeFields(bindings), options);
  } as Logger['child'];
  return logger;
}

export type { Logger };
