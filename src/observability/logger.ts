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

const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
paths.push('req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]');

function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // PostgreSQL's values, statements, requests and bodies never written (./error-words.ts).
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
