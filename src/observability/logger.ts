import pino, { type Logger, type LoggerOptions } from 'pino';

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

const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
paths.push('req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]');

/**
 * Error serializer: PostgreSQL errors carry the offending values in `detail`/`where` (e.g.
 * "Key (personal_id)=(…) already exists"), and axios errors their request config: drop those. A plain
 * object (an error's summary, see ./outage.ts `errorKind`) is kept as it is: pino's serializer would
 * call it an `Object` with an empty stack.
 */
function serializeError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const out =
    err instanceof Error
      ? (pino.stdSerializers.err(err) as unknown as Record<string, unknown>)
      : { ...(err as Record<string, unknown>) };
  for (const field of ['detail', 'where', 'hint', 'parameters', 'config', 'request', 'response'])
    delete out[field];
  return out;
}

function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { err: serializeError, error: serializeError },
    base: { service: 'truc' },
    redact: { paths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
