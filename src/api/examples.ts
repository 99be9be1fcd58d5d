/**
 * Examples of the main vendor routes' requests and answers (api27), shown by /docs and in `openapi/truc.v1.json`
 * (each set as its media type's `example` by ./plugins/contract.ts `completeDocument`): a token, a batch pushed
 * and dry-run, its status and findings, a record read back, a page of records and of the change feed, a refusal.
 * The student is the integration guide's made-up one (school year 2026-2027, born 2020), the one ./record-examples.ts
 * shows field by field: no real person's data.
 * Each example is typed by the schema its route answers with, so a change of a schema that leaves one stale fails
 * the typecheck; test/integration/api27-bodies.test.ts also parses each against the route's schema and the spec.
 */
import type { z } from 'zod';
import type { BatchAccepted, BatchStatus, DryRunResult } from './batch-contract.js';
import type { FindingsPage } from './batch-findings-contract.js';
import type { Problem } from './problem.js';
import { EXAMPLE_RECORDS, EXAMPLE_SCHOOL } from './record-examples.js';
import { titlesOf } from './routes/quality/views.js';

const SCHOOL = EXAMPLE_SCHOOL;
const BATCH_ID = '3f2b6c1e-8a4d-4e5f-9b7a-2c1d0e9f8a7b';
const STUDENT = EXAMPLE_RECORDS.students;
/**
 * The second record's personal ID says a girl born 2019 (digits 4–6: 319), her birth date 2020: one warning, accepted
 * (tidy7: it said 219, a boy's, so the dry run found her sex too; the dry-run example now is what truc answers).
 */
const ID_YEAR_MISMATCH = {
  recordIndex: 1,
  recordKey: '7900000100002',
  criterion: 'dung',
  rule: 'DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH',
  ...titlesOf('DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH', 'vi'),
  severity: 'warning' as const,
  pointer: '/personalId',
  canonicalPointer: '/personalId',
  message: {
    vi: 'Chữ số thứ 4–6 của số định danh không khớp với năm sinh.',
    en: 'Digits 4–6 of the personal ID do not match the birth year.',
  },
  text: 'Chữ số thứ 4–6 của số định danh không khớp với năm sinh.',
  fix: 'Kiểm tra lại ngày sinh hoặc số định danh.',
  hint: {
    vi: 'Kiểm tra lại ngày sinh hoặc số định danh.',
    en: 'Check the birth date or the personal ID.',
  },
};

const batchAccepted: z.infer<typeof BatchAccepted> = {
  batchId: BATCH_ID,
  status: 'queued',
  statusUrl: `/v1/batches/${BATCH_ID}`,
  received: 2,
};

const dryRun: z.infer<typeof DryRunResult> = {
  dryRun: true,
  schoolCode: SCHOOL,
  entity: 'students',
  format: 'canonical',
  mode: 'delta',
  counts: { received: 2, accepted: 2, rejected: 0, unchanged: 0 },
  findings: [ID_YEAR_MISMATCH],
  guard: null,
};

const batchStatus: z.infer<typeof BatchStatus> = {
  batchId: BATCH_ID,
  schoolCode: SCHOOL,
  entity: 'students',
  format: 'canonical',
  status: 'done',
  counts: { received: 2, accepted: 2, rejected: 0, unchanged: 0, deleted: 0 },
  mode: 'delta',
  errorCode: null,
  createdAt: '2026-12-05T02:10:00.000Z',
  finishedAt: '2026-12-05T02:10:01.250Z',
  findingsUrl: `/v1/batches/${BATCH_ID}/findings`,
  syncRunId: null,
  ignoredFields: [],
  ignoredFieldsMore: 0,
  deliveries: [
    {
      system: 'hcm-csdl',
      state: 'delivered',
      errorCode: null,
      rejected: 0,
      refused: [],
      upserts: { delivered: 2, pending: 0, failed: 0 },
      deletes: { delivered: 0, pending: 0, failed: 0 },
      deadLetters: [],
      deliveredAt: '2026-12-05T02:10:03.000Z',
      waiting: null,
    },
  ],
  guard: null,
  recordsPurged: null,
};

const findings: z.infer<typeof FindingsPage> = {
  batchId: BATCH_ID,
  items: [ID_YEAR_MISMATCH],
  limit: 100,
  offset: 0,
  counts: { total: 1, error: 1, warning: 0, info: 0 },
};

const record = {
  key: STUDENT.studentCode,
  etag: '"8c1f0a3e5b7d9f21"',
  updatedAt: '2026-12-05T02:10:01.200Z',
  record: STUDENT,
};

const validationProblem: Problem = {
  type: 'https://truc.hcm.edu.vn/problems/err-validation',
  title: 'Dữ liệu gửi lên không hợp lệ.',
  status: 400,
  instance: `/v1/schools/${SCHOOL}/batches`,
  code: 'ERR_VALIDATION',
  correlationId: '5d0c7a52-1b8e-4f0a-a3c1-7e9b2d4f6a80',
  messages: { vi: 'Dữ liệu gửi lên không hợp lệ.', en: 'The request is not valid.' },
  errors: [
    { pointer: '/body/entity', rule: 'invalid_value', message: 'Giá trị không hợp lệ / Invalid option' },
  ],
};

/** An approval of a city-wide run's hold except the one school whose source is broken (fix33b). */
const exceptProblem: Problem = {
  type: 'https://truc.hcm.edu.vn/problems/err-guard-except-schools',
  title: 'Không thể duyệt trừ các trường này.',
  status: 400,
  instance: '/v1/guard/holds/41/approve',
  code: 'ERR_GUARD_EXCEPT_SCHOOLS',
  correlationId: '0b7f3c1e-6a2d-4c8e-9f51-3d2a7e4b9c10',
  detail: 'lệnh giữ 41 không có trường: 79000999 / guard hold 41 holds no such school: 79000999',
  messages: {
    vi: 'Không thể duyệt trừ các trường này: chỉ lệnh giữ của một lần đồng bộ (một trang hoặc phần đối soát) được duyệt trừ trường, và chỉ các trường nằm trong lệnh giữ (không phải "*"). Không có gì thay đổi.',
    en: 'These schools cannot be left out of the approval: only a sync run’s hold (a page or its reconciliation) can be approved except schools, and only schools the hold shows (not "*"). Nothing was changed.',
  },
};

/** An operation's examples: its request body's (by media type, JSON when not named) and its answers' by status. */
export interface OperationExamples {
  request?: Record<string, unknown>;
  responses: Record<string, unknown>;
}

/** Examples by operationId. */
export const EXAMPLES: Readonly<Record<string, OperationExamples>> = {
  getToken: {
    request: {
      'application/x-www-form-urlencoded': {
        grant_type: 'client_credentials',
        client_id: 'cl_3k9d0s7a',
        client_secret: 'cs_…',
      },
      'application/json': {
        grant_type: 'client_credentials',
        client_id: 'cl_3k9d0s7a',
        client_secret: 'cs_…',
      },
    },
    responses: {
      200: {
        access_token: 'eyJhbGciOiJFUzI1NiIs…',
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'batches:write',
      },
    },
  },
  pushBatch: {
    request: {
      'application/json': {
        entity: 'students',
        format: 'canonical',
        records: [
          STUDENT,
          {
            ...STUDENT,
            studentCode: '7900000100002',
            personalId: '079319005678',
            fullName: 'Trần Thị Bình',
            sex: 'female',
          },
        ],
      },
    },
    responses: { 202: batchAccepted, 200: dryRun, 400: validationProblem },
  },
  approveGuardHold: {
    request: {
      'application/json': {
        exceptSchools: ['79000007'],
        reason:
          'Kết chuyển năm học; nguồn của trường 79000007 lỗi, chờ sửa / rollover; 79000007’s source is broken',
      },
    },
    responses: { 400: exceptProblem },
  },
  getBatch: { responses: { 200: batchStatus } },
  getFindings: { responses: { 200: findings } },
  getStudentsRecord: { responses: { 200: record } },
  listStudents: {
    responses: { 200: { items: [record], nextCursor: null, nextUpdatedSince: '2026-12-05T02:15:07.412Z' } },
  },
  listChanges: {
    responses: {
      200: {
        items: [
          {
            entity: 'students',
            key: STUDENT.studentCode,
            schoolCode: SCHOOL,
            op: 'update',
            changedAt: '2026-12-05T02:10:01.200Z',
            url: `/v1/schools/${SCHOOL}/students/${STUDENT.studentCode}`,
          },
        ],
        nextCursor: 'eyJ0IjoiNzQ1MSIsInMiOiIxMjAzIn0',
      },
    },
  },
};
