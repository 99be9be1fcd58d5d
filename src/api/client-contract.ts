/**
 * The contract of the admin API of API clients (./routes/clients.ts): a client as it is shown, a new one, a change
 * of one, a rotation of its secret, and the client id in a path.
 */
import { z } from 'zod';
import { hasNoForbiddenChars } from '../canonical/text.js';
import { SECRET_OVERLAP_MAX_SECONDS } from '../config.js';
import { both } from '../errors.js';
import { ROLES } from '../store/clients.js';
import { CLIENT_ID } from './auth/secrets.js';
import { withoutPersonalNumber } from './free-text.js';
import { ALL_SCOPES } from './routes/oauth.js';
import { SCHOOL_CODE_MESSAGE } from './school-code.js';

const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, SCHOOL_CODE_MESSAGE);
const Unit = z
  .string()
  .regex(
    /^\d{2}$|^\d{5}$/,
    both('mã tỉnh 2 chữ số hoặc mã xã 5 chữ số', '2-digit province or 5-digit commune code'),
  );
/** A client's name, kept in its row and in the audit entry of a change (review33b: no personal number). */
const Name = withoutPersonalNumber(
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine(hasNoForbiddenChars, both('một dòng, không ký tự điều khiển', 'one line, no control characters')),
);
const Scopes = z.array(z.enum(ALL_SCOPES)).max(ALL_SCOPES.length);

export const ClientView = z
  .object({
    clientId: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    schools: z.array(z.string()),
    units: z.array(z.string()),
    scopes: z.array(z.string()),
    disabled: z.boolean(),
    oldCredentialExpiresAt: z
      .string()
      .nullable()
      .meta({
        description:
          'Lúc khoá bí mật cũ (bị thay ở lần đổi gần nhất) hết hiệu lực, hoặc đã hết (thời điểm đã qua: hết hạn chồng lấn, ' +
          'hoặc bị chấm dứt sớm); null nếu chưa đổi lần nào có hạn này. Không bao giờ là khoá bí mật / when the secret ' +
          'the last rotation replaced stops working, or stopped (a past time: its window ended, or it was ended early); ' +
          'null when never rotated with one. Never a secret',
      }),
    oldCredentialLastUsedAt: z
      .string()
      .nullable()
      .meta({
        description:
          'Lần gần nhất khoá bí mật cũ cấp mã truy cập (ghi tối đa mỗi phút một lần); null nếu chưa cấp lần nào từ lần ' +
          'đổi gần nhất. Không bao giờ là khoá bí mật / when the secret the last rotation replaced last issued a token ' +
          '(written at most once a minute); null when it has issued none since that rotation. Never a secret',
      }),
  })
  .meta({ id: 'ApiClient' });

export const RotateBody = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(SECRET_OVERLAP_MAX_SECONDS)
      .optional()
      .meta({
        description:
          'Khoá cũ còn dùng được bao nhiêu giây nữa (0: ngừng ngay, như sau khi lộ khoá); mặc định auth.secretOverlapSeconds ' +
          '(86400) / how many seconds the old secret keeps working (0: it stops at once, as after a leak); default ' +
          'auth.secretOverlapSeconds (86400)',
      }),
  })
  .strict()
  .meta({ id: 'ApiClientSecretRotation' });

export const NewClientBody = z
  .object({
    name: Name,
    role: z.enum(ROLES),
    schools: z.array(Code).max(10_000).default([]),
    units: z.array(Unit).max(1000).default([]),
    scopes: Scopes.optional(),
  })
  .strict()
  .meta({ id: 'NewApiClient' });

export const ClientPatch = z
  .object({
    name: Name.optional(),
    schools: z.array(Code).max(10_000).optional(),
    units: z.array(Unit).max(1000).optional(),
    scopes: Scopes.optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, both('không có gì để thay đổi', 'nothing to change'))
  .meta({ id: 'ApiClientPatch' });

export const WithSecret = ClientView.extend({ clientSecret: z.string() }).meta({ id: 'ApiClientWithSecret' });
const warnings = z.array(z.string()).meta({
  description:
    'Cảnh báo không chặn thay đổi (song ngữ): các mã trường chưa có trong danh sách trường của thành phố (truc.schools; ' +
    'hồ sơ trường có thể đến sau, nhưng đến lúc đó thành phố chỉ thấy trường qua mã); rỗng nếu không có / warnings ' +
    "that did not refuse the change (bilingual): school codes not in the city's school list (truc.schools; a " +
    "school's record may arrive later, until then the city sees the school by its code alone); empty when none",
});
/** A creation's answer: the client, its secret (shown once) and the grant's warnings (W9-1). */
export const CreatedClient = WithSecret.extend({ warnings }).meta({ id: 'ApiClientCreated' });
/** A change's answer: the client and, when its schools were set, the grant's warnings (W9-1). */
export const ChangedClient = ClientView.extend({ warnings }).meta({ id: 'ApiClientChanged' });
const CLIENT_ID_WORDS = both(
  'mã client: chữ, số, _ và -, tối đa 64 ký tự (ví dụ cl_iu4RJn0h9avJ; GET /v1/admin/clients liệt kê)',
  'a client id: letters, digits, _ and -, at most 64 (e.g. cl_iu4RJn0h9avJ; GET /v1/admin/clients lists them)',
);
export const IdParams = z.object({ clientId: z.string().regex(CLIENT_ID, CLIENT_ID_WORDS) }).strict();
