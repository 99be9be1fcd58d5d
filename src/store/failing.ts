/**
 * The one rule for a record failing a quality criterion, as every count of truc applies it (the scorecards,
 * src/store/scorecards.ts, and the operations schools pages, src/store/overview-schools.ts; fix30f): a record fails a
 * criterion when one of its findings of that criterion is an error or a warning; an `info` finding never fails
 * it (src/quality/scorecards.ts). The schools page once counted errors only, so a school with warnings showed a
 * higher figure there than on its scorecard.
 */

/** SQL: the finding whose severity is `severity` (a column or expression) fails its record's criterion. */
export const failsRecord = (severity: string): string => `${severity} <> 'info'`;
