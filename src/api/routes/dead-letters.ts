import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, both, ERROR_CODES, errorMessage } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { QUEUE_NAMES } from '../../jobs/contracts.js';
import { allWithFilters, replayDeadLetters } from '../../jobs/dead-letters.js';
import {
  ABANDONED_REASONS,
  createDeadLettersRepo,
  DEAD_LETTERS_PAGE_MAX,
  type DeadLetter,
} from '../../store/dead-letters.js';
import { principalOf } from '../plugins/auth.js';
import { problems } from '../problem.js';
import { pageQuery } from '../paging.js';
import { decimal } from '../query.js';

// fixes26a: one of the queues and one of the error codes, as GET /v1/syncs takes its system (review25 F3): a
// typo was an empty list (or a replay of nothing), not a 400.
const QueueName = z.enum(QUEUE_NAMES);
const ErrorCodeName = z.enum(ERROR_CODES);

const DeadLetterSchema = z
  .object({
    id: z.number().int(),
    queue: z.string(),
    job: z.string(),
    errorCode: z.string(),
    errorMessage: z.string().meta({
      description:
        'lời của chính việc lỗi (thường là tiếng Anh, như hệ thống đích hay thư viện nói) / the letter’s own words ' +
        '(mostly English, as the target or a library said them)',
    }),
    message: z.object({ vi: z.string(), en: z.string() }).meta({
      description:
        'lời của mã lỗi errorCode (bảng mã lỗi, docs/errors.md), tiếng Việt và tiếng Anh, như deadLetters[].message của ' +
        'một lô / the error code’s words (the error table, docs/errors.md) in Vietnamese and English, as a batch’s ' +
        'deadLetters[].message gives them',
    }),
    attempts: z.number().int(),
    failedAt: z.string(),
    replayedAt: z.string().nullable(),
    replayedBy: z
      .string()
      .nullable()
      .meta({
        description:
          'Ai đã chạy lại, theo tên lúc chạy lại (tên hiển thị của client, hoặc tên người vận hành CLI); không biết tên: ' +
          'mã định danh; null: chưa chạy lại, hoặc chạy lại trước khi truc ghi người chạy / who replayed it, by name as ' +
          "it was when they replayed it (the client's display name, or the CLI operator's); an actor truc knew no " +
          'name of: the id; null: not replayed, or replayed before truc kept who (fix37a)',
      }),
    replayedById: z
      .string()
      .nullable()
      .meta({
        description:
          'Mã định danh người chạy lại: mã client (API, bảng điều khiển) hoặc operator:cli:<tên> (lệnh truc) / who ' +
          'replayed it, by id: a client id (the API, the dashboard) or operator:cli:<name> (a truc command)',
      }),
    resolvedAt: z.string().nullable().meta({
      description:
        'khi một lần gửi sau đã chuyển hết bản ghi của việc này (nhà cung cấp gửi lại): không còn mở, không cần chạy lại / when a later delivery (a vendor re-push) delivered every record of its work: no longer open, nothing to replay',
    }),
    abandonedAt: z.string().nullable().meta({
      description:
        'khi việc này được đóng mà không chạy lại (lý do: abandonedReason): không còn mở, không chạy lại / when it was closed without a replay (why: abandonedReason): no longer open, not replayable',
    }),
    abandonedReason: z
      .enum(ABANDONED_REASONS)
      .nullable()
      .meta({
        description:
          'vì sao việc này được đóng mà không chạy lại (null: chưa đóng như vậy). target-forgotten: hệ thống đích của nó, đã gỡ khỏi cấu hình, bị quên (truc targets forget), bản ghi sẽ không được gửi tới đó; closed-by-replay: việc do bộ lập lịch xếp (một lần kích hoạt lịch, kiểm tra website, dọn luồng thay đổi), một lần chạy lại đã đóng nó vì không có gì để chạy lại, nó chạy lại ở lần kích hoạt sau; report-superseded: việc gửi số liệu PCGD mà phiên bản báo cáo của nó đã được mở lại hoặc thay thế, phiên bản mới mới là phiên bản cần gửi / ' +
          "why it was closed without a replay (null: it was not). target-forgotten: its target, removed from the configuration, was forgotten (truc targets forget), its records will not be delivered there; closed-by-replay: a job the scheduler queued (a schedule's fire, the website probe, the change feed's purge) that a replay closed, as it has nothing to replay from: it runs again at its next fire; report-superseded: a PCGD figures submission whose report version was reopened or replaced, the new version is the one to submit",
      }),
    mappingVersion: z.string().nullable().meta({
      description:
        'phiên bản ánh xạ việc này đã chạy (null: không ánh xạ) / the mapping version the work ran with (null: it maps nothing)',
    }),
    refs: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])).meta({
      description:
        'các mã tham chiếu của việc (chỉ mã, không dữ liệu cá nhân): của việc gửi (pushSetId, syncRunId, batchId…); việc gửi ghi từ bản này còn có batchId (lô của nhà cung cấp mà bộ gửi đến từ, nếu có), schoolCode (mã trường mà bộ gửi tới, không bao giờ là *) và entity (loại bản ghi); việc lỗi ghi trước đó không có ba mã này. Bộ gửi có khoá ở nhiều trường (bộ xoá không từ lô nào, trang của lượt kéo mọi trường): thay cho schoolCode là schoolCodes (mã các trường, xếp theo thứ tự, tối đa 20 mã đầu) và schoolCount (tổng số trường). Bộ gửi do một lần đồng bộ gây ra (kể cả bộ xoá khi đối soát) có syncRunId / ' +
        "the work's references (ids and codes only, never personal data): what its job carried (pushSetId, syncRunId, batchId…); a push letter written since this version also has batchId (the vendor batch its push set came from, when it came from one), schoolCode (the school the set went to, never *) and entity; letters written before have none of these three. A set whose keys are at several schools (a delete set from no batch, a page of a pull of every school) has, instead of schoolCode, schoolCodes (the schools' codes, sorted, the first 20 at most) and schoolCount (how many schools in all). A push set caused by a sync run (a full run's reconciliation deletes too) has syncRunId",
    }),
  })
  .meta({ id: 'DeadLetter' });

type DeadLetterApp = Parameters<FastifyPluginAsyncZod<{ db: Db; now: () => Date }>>[0];

/** A dead letter as the API shows it: the job's references, not its outbox row (`truc dead-letters list` too). */
export function deadLetterView(r: DeadLetter) {
  return {
    id: r.id,
    queue: r.queue,
    job: r.jobName,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    message: errorMessage(r.errorCode),
    attempts: r.attempts,
    failedAt: r.failedAt.toISOString(),
    replayedAt: r.replayedAt ? r.replayedAt.toISOString() : null,
    replayedBy: r.replayedBy,
    replayedById: r.replayedById,
    resolvedAt: r.resolvedAt ? r.resolvedAt.toISOString() : null,
    abandonedAt: r.abandonedAt ? r.abandonedAt.toISOString() : null,
    abandonedReason: r.abandonedReason,
    mappingVersion: r.mappingVersion,
    refs: {
      ...(Object.fromEntries(
        Object.entries(r.payload).filter(([, v]) => typeof v === 'string' || typeof v === 'number'),
      ) as Record<string, string | number>),
      ...r.refs,
    } as Record<string, string | number | string[]>,
  };
}

/** What GET /v1/dead-letters filters by: a letter's id, its queue, code and sync run, and whether closed ones too. */
const ListQuery = z
  .object({
    id: decimal(z.number().int().min(1))
      .optional()
      .meta({
        description:
          'chỉ việc lỗi có mã này (trang trường liên kết tới nó); việc đã đóng cần includeReplayed=true / ' +
          'only the letter with this id (a school page links to it); a closed one needs includeReplayed=true',
      }),
    queue: QueueName.optional(),
    errorCode: ErrorCodeName.optional(),
    syncRunId: decimal(z.number().int().min(1))
      .optional()
      .meta({
        description:
          'chỉ việc của một lần đồng bộ: việc mang mã lần chạy, hoặc bộ gửi của nó (kể cả bộ xoá khi đối soát của ' +
          'lần chạy đầy đủ) / only a sync run’s: its job carried the run, or its push set did (a full run’s ' +
          'reconciliation deletes too)',
      }),
    includeReplayed: z.enum(['true', 'false']).default('false'),
    ...pageQuery(DEAD_LETTERS_PAGE_MAX, 100),
  })
  .strict();

/** Dead letters, filtered by id, queue, error code, sync run and whether replayed. */
function listRoute(app: DeadLetterApp, opts: { db: Db; now: () => Date }): void {
  app.get(
    '/v1/dead-letters',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Việc lỗi hẳn / Jobs that failed for good, newest first',
        querystring: ListQuery,
        response: {
          200: z.object({
            total: z.number().int().meta({
              description:
                'số việc lỗi khớp bộ lọc (mọi trang) / how many letters match the filter (all pages)',
            }),
            open: z.number().int().meta({
              description:
                'trong đó, số việc còn mở: số việc chạy lại theo bộ lọc sẽ chạy (tối đa 1.000 một lần) / of those, how many are open: what a replay by the same filter replays (at most 1,000 a call)',
            }),
            items: z.array(DeadLetterSchema),
            limit: z.number(),
            offset: z.number(),
          }),
          ...problems(400, 401, 403),
        },
      },
    },
    async function list(request) {
      const { id, queue, errorCode, syncRunId, includeReplayed, limit, offset } = request.query;
      const repo = createDeadLettersRepo(opts.db);
      const ids = id === undefined ? undefined : [id];
      const filter = { ids, queue, errorCode, syncRunId, includeReplayed: includeReplayed === 'true' };
      const [rows, { total, open }] = await Promise.all([
        repo.list(filter, limit, offset),
        repo.count(filter),
      ]);
      return {
        total,
        open,
        limit,
        offset,
        items: rows.map(deadLetterView),
      };
    },
  );
}

/** A replay's letters closed without a replay (review26a F2). */
const ClosedLetters = z.array(z.number().int()).meta({
  description:
    'Việc lỗi đã đóng mà không chạy lại (abandonedAt): việc do bộ lập lịch xếp (một lần kích hoạt lịch, ' +
    'kiểm tra website, dọn luồng thay đổi) không có gì để chạy lại và sẽ chạy lại ở lần kích hoạt sau; report-superseded: việc gửi số liệu PCGD mà phiên bản báo cáo của nó đã được mở lại hoặc thay thế, phiên bản mới mới là phiên bản cần gửi / ' +
    "letters closed without a replay (abandonedAt): a job the scheduler queued (a schedule's fire, the " +
    "website probe, the change feed's purge) has nothing to replay from and runs again at its next fire",
});

/** The letters asked for by id and not replayed, and why (runs item 3: `replayed: []` said nothing). */
const SkippedLetters = z
  .array(
    z.object({
      id: z.number().int(),
      reason: z.enum(['replayed', 'resolved', 'abandoned', 'not-matching', 'not-found']),
      message: z.object({ vi: z.string(), en: z.string() }),
    }),
  )
  .meta({
    description:
      'Các việc lỗi được hỏi theo ids mà không chạy lại, và vì sao: replayed (đã chạy lại trước đó), resolved (một lần ' +
      'gửi sau đã chuyển hết), abandoned (đã đóng không chạy lại), not-matching (còn mở nhưng không khớp queue/errorCode/syncRunId), ' +
      'not-found (không có); [] khi không hỏi theo ids / the letters asked for by id and not replayed, and why: replayed ' +
      '(replayed already: never replayed twice), resolved (a later delivery delivered its records), abandoned (closed ' +
      'without a replay), not-matching (open, but not matching queue/errorCode/syncRunId), not-found (no such letter); [] without ids',
  });

/**
 * `all: true` is every open letter; `ids`, `queue` and `errorCode` narrow the replay (together, to the letters all
 * of them match). Both at once contradict each other (api27, review26 note: `{"ids":[1],"all":true}` replayed letter
 * 1 alone, `all` ignored without a word): a 400 naming `all`, nothing replayed.
 */
function allOrFilters(
  body: {
    ids?: number[] | undefined;
    queue?: string | undefined;
    errorCode?: string | undefined;
    syncRunId?: number | undefined;
    all: boolean;
  },
  ctx: z.RefinementCtx,
): void {
  if (!body.all) return;
  const given = (['ids', 'queue', 'errorCode', 'syncRunId'] as const).filter((k) => body[k] !== undefined);
  if (given.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['all'],
    input: body.all,
    message: allWithFilters('all=true', given),
  });
}

/** What POST /v1/dead-letters/replay takes: ids or filters (together they narrow), or all; the mapping to map with. */
const ReplayBody = z
  .object({
    ids: z.array(z.number().int().positive()).min(1).max(1000).optional(),
    queue: QueueName.optional(),
    errorCode: ErrorCodeName.optional(),
    syncRunId: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({
        description:
          'chỉ việc lỗi của một lượt đồng bộ, như GET /v1/dead-letters?syncRunId= liệt kê chúng / ' +
          "only a sync run's letters, as GET /v1/dead-letters?syncRunId= lists them",
      }),
    all: z.boolean().default(false),
    mapping: z
      .enum(['current', 'pinned'])
      .default('current')
      .meta({
        description:
          'current: ánh xạ hiện hành; pinned: phiên bản việc đã chạy lần đầu / ' +
          'current: map with the current mapping (default); pinned: with the version the work first ran with',
      }),
  })
  .strict()
  .superRefine(allOrFilters);

/** Replay dead letters, by id or by filter. */
function replayRoute(app: DeadLetterApp, opts: { db: Db; now: () => Date }): void {
  app.post(
    '/v1/dead-letters/replay',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Chạy lại việc lỗi / Replay dead letters, singly or by filter',
        description:
          'Cần ít nhất một bộ lọc (ids, queue, errorCode, syncRunId: cùng nhau thì thu hẹp), hoặc all=true, không cả hai (400). / ' +
          'Needs at least one filter (ids, queue, errorCode, syncRunId: together they narrow), or all=true; not both (400), so nothing is replayed in bulk by accident.',
        body: ReplayBody,
        response: {
          200: z.object({
            replayed: z.array(z.number().int()),
            mapping: z.enum(['current', 'pinned']),
            items: z.array(
              z.object({
                id: z.number().int(),
                mappingVersion: z.string().nullable(),
                pinned: z.boolean(),
              }),
            ),
            closed: ClosedLetters,
            skipped: SkippedLetters,
          }),
          // 410: an ingest's letter whose batch's records were purged (ERR_BATCH_RECORDS_PURGED), nothing replayed.
          ...problems(400, 401, 403, 409, 410),
        },
      },
    },
    async function replay(request) {
      const { ids, queue, errorCode, syncRunId, all, mapping } = request.body;
      if (!ids && !queue && !errorCode && syncRunId === undefined && !all) {
        throw new AppError(
          'ERR_VALIDATION',
          both(
            'cần ids, queue, errorCode hoặc syncRunId, hoặc all=true',
            'give ids, queue, errorCode or syncRunId, or all=true',
          ),
        );
      }
      const by = { actor: principalOf(request).clientId, at: opts.now() };
      return replayDeadLetters(opts.db, { ids, queue, errorCode, syncRunId }, by, { mapping });
    },
  );
}

const deadLetterRoutes: FastifyPluginAsyncZod<{ db: Db; now: () => Date }> = async function deadLetterRoutes(
  app,
  opts,
) {
  listRoute(app, opts);
  replayRoute(app, opts);
};
export default deadLetterRoutes;
