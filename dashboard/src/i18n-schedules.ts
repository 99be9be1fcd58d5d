/**
 * The words of the schedules card (./overview-schedules.ts: a schedule, its runs, its actions and their outcomes), split from
 * ./i18n.ts (tidy7), which spreads them into its dictionary; an entry as there: [vi, en, the English for one].
 */
export const SCHEDULE_WORDS = {
  lastRun: ['Lần chạy trước', 'Last run'],
  nextRun: ['Lần chạy tới', 'Next run'],
  scheduleOn: ['Đang bật', 'On'],
  schedule: ['Lịch', 'Schedule'],
  cron: ['Lịch chạy (cron)', 'Cron'],
  fullPull: ['toàn bộ', 'full'],
  qualitySchedule: ['Tính thẻ điểm chất lượng', 'Quality scorecards'],
  qualityRun: ['lần tính thẻ điểm', 'quality run'],
  // W3-4: the schedules card's actions (POST /v1/schedules/{id}/pause|resume|run), their confirmations and outcomes.
  actions: ['Thao tác', 'Actions'],
  pause: ['Tạm dừng', 'Pause'],
  resume: ['Tiếp tục', 'Resume'],
  runNow: ['Chạy ngay', 'Run now'],
  confirmPause: [
    'Tạm dừng lịch {id}? Các lần kích hoạt sẽ không yêu cầu gì.',
    'Pause schedule {id}? Its fires will request nothing.',
  ],
  confirmResume: ['Tiếp tục lịch {id}?', 'Resume schedule {id}?'],
  confirmRunNow: ['Chạy ngay lịch {id}?', 'Run schedule {id} now?'],
  schedulePaused: ['Đã tạm dừng lịch {id}.', 'Schedule {id} paused.'],
  scheduleResumed: ['Đã tiếp tục lịch {id}.', 'Schedule {id} resumed.'],
  runRequested: ['Lịch {id}: đã yêu cầu lần đồng bộ #{run}.', 'Schedule {id}: sync run #{run} requested.'],
  qualityRunRequested: [
    'Lịch {id}: đã yêu cầu lần tính thẻ điểm #{run}.',
    'Schedule {id}: quality run #{run} requested.',
  ],
  seeIt: ['Xem', 'See it'],
  busyExplained: [
    'lần {run} cùng hệ thống, loại và phạm vi chưa xong (đang chờ, đang chạy hoặc bị giữ): không yêu cầu lần mới',
    'run {run} of its system, entity and scope was unfinished (queued, running or held): none requested',
  ],
} as const satisfies Record<string, readonly [vi: string, en: string, enOne?: string]>;
