/**
 * The words of a sync run's scope (dash9), split from ./i18n.ts, which spreads them into its dictionary; an entry as
 * there: [vi, en, the English for one].
 */
export const BATCH_WORDS = {
  // dash9 item 2: a run with no scope pulled everything its system serves
  cityWide: ['Toàn thành phố', 'City-wide'],
} as const satisfies Record<string, readonly [vi: string, en: string, enOne?: string]>;
