/**
 * The words of a batch's page (./batch.ts: its counts, deliveries and findings; a sync run's batches with rejections)
 * and of a run's scope (dash9), and of a sync run's page (./sync-run.ts), split from ./i18n.ts, which spreads them into its dictionary; an entry as there:
 * [vi, en, the English for one].
 */
export const BATCH_WORDS = {
  // dash9 item 2: a run with no scope pulled everything its system serves
  cityWide: ['Toàn thành phố', 'City-wide'],
  batchOf: ['Lô {id}', 'Batch {id}'],
  format: ['Định dạng', 'Format'],
  finishedAt: ['Xong lúc', 'Finished at'],
  deleted: ['Đã xoá', 'Deleted'],
  everySchool: ['mọi trường', 'every school'],
  deliveries: ['Chuyển tới hệ thống đích', 'Deliveries to targets'],
  target: ['Hệ thống đích', 'Target'],
  deliveryState: ['Trạng thái', 'State'],
  upserts: ['Ghi', 'Written'],
  deletes: ['Xoá', 'Deleted'],
  refusedByTarget: ['Đích từ chối', 'Target refused'],
  deliveredAt: ['Lúc chuyển', 'Delivered at'],
  deliveryCounts: [
    'gửi {delivered}, chờ {pending}, lỗi {failed}',
    '{delivered} sent, {pending} pending, {failed} failed',
  ],
  batch: ['Lô', 'Batch'],
  recordKey: ['Mã bản ghi', 'Record key'],
  recordNo: ['Bản ghi số', 'Record no.'],
  field: ['Trường dữ liệu', 'Field'],
  wholeRecord: ['(cả bản ghi)', '(whole record)'],
  wholeBatch: ['(cả lô)', '(whole batch)'],
  findingsOfBatch: ['Phát hiện của lô', 'The batch’s findings'],
  findingsHint: [
    'Mỗi phát hiện: quy tắc, trường dữ liệu và mã bản ghi; không hiện giá trị hay dữ liệu cá nhân.',
    'Each finding: its rule, field and record key; no value and no personal data is shown.',
  ],
  allSeverities: ['Mọi mức', 'Every severity'],
  noFindings: ['Không có phát hiện nào.', 'No findings.'],
  // dash10: how many findings the batch has, in all and by severity (50 a page, the total was nowhere)
  findingsTotal: ['Phát hiện', 'Findings'],
  rangeOf: ['{range} trong {total}', '{range} of {total}'],
  runRejectedBatches: ['Các lô có bản ghi bị từ chối', 'Batches with rejected records'],
  runRejectedBatchesMore: [
    'Lô nhiều bản ghi bị từ chối nhất trước.',
    'The batches with the most rejected records first.',
  ],
  // walk11 W11-8: a sync run's page (./sync-run.ts)
  runOf: ['Lần đồng bộ #{id}', 'Sync run #{id}'],
  // dash12: a pulled batch's page names its run, a link to the run's page
  batchRun: ['Lần đồng bộ', 'Sync run'],
  runDetails: ['Chi tiết', 'Details'],
  duration: ['Thời gian chạy', 'Duration'],
  runKind: ['Kiểu kéo', 'Kind'],
  runIncremental: ['Theo mốc (các thay đổi từ lần trước)', 'Incremental (changes since the last run)'],
  runFull: ['Toàn bộ, có đối soát', 'Full, reconciled'],
  runFullNoWatermark: [
    'Toàn bộ, có đối soát (yêu cầu theo mốc nhưng chưa có mốc)',
    'Full, reconciled (asked incremental, no watermark yet)',
  ],
  runBatches: ['Lô (trang)', 'Batches (pages)'],
  runBatchesFailed: ['{batches}, lỗi {failed}', '{batches}, {failed} failed'],
  reconcile: ['Đối soát', 'Reconciliation'],
  unstableSchools: [
    'Trường thay đổi trong lúc đọc (đối soát không xoá gì của các trường này)',
    'Schools changing while read (the reconciliation deletes nothing of them)',
  ],
} as const satisfies Record<string, readonly [vi: string, en: string, enOne?: string]>;
