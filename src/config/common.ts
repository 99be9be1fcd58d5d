/** Value schemas shared by the sections of the configuration, and the freeze applied to what they parse. */
import { z } from 'zod';

/** A percentage with at most two decimals. */
export const percent = z.number().min(0).max(100).multipleOf(0.01);
/** A day of the year, MM-DD. */
export const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD');
/** A calendar date, YYYY-MM-DD. */
export const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD');

/**
 * An IANA time zone the runtime knows (e.g. Asia/Ho_Chi_Minh), as cron patterns are read in: a name it does
 * not know (Asia/Hanoi) would only fail when a job scheduler is made from it, and that schedule never fire.
 */
export const timeZone = z
  .string()
  .min(1)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'an IANA time zone, e.g. Asia/Ho_Chi_Minh' },
  );

/**
 * A connection URL of one of `schemes` (review35a F4: `DATABASE_URL=not-a-url` reached the driver, which looked up a
 * host named "base" and told the admin to start PostgreSQL, exit 1). The value is never repeated (it may hold a
 * password).
 */
export const connectionUrl = (schemes: readonly string[], example: string) =>
  z
    .string()
    .min(1)
    .refine(
      (v) => {
        try {
          // A socket's path (`/run/redis.sock`) is a connection too; a URL may name no host (`postgres:///truc`).
          return v.startsWith('/') || schemes.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      {
        message:
          `không phải URL ${schemes.join(' hay ')}://, ví dụ ${example} / ` +
          `not a ${schemes.join(' or ')}:// URL, e.g. ${example}`,
      },
    );

/** Freezes a parsed configuration (or one section of it) and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
