/**
 * Percentages as the dashboard shows them, so that a figure never contradicts the band it is coloured in
 * (ui28: 89.96 % was shown "90.0 %" in amber). Pure (no DOM): unit-tested in test/unit/dashboard.
 *
 * A figure cut to the decimals shown is cut toward the side its rule judges from, never rounded across it:
 * a ratio judged "at least t" (a pass ratio: green at ≥ 90 %) is floored, a ratio judged "more than t" (an error
 * rate, a guard's deletions) is ceiled. With a threshold on the shown grid (20, 30 %), the cut figure is on
 * the same side as the exact one: floor(v) ≥ t exactly when v ≥ t, ceil(v) > t exactly when v > t. 99.96 % of
 * records passing is never "100,0 %". Pass ratios' colour bands are the server's (the city's quality.colourBands,
 * judged by the scorecards' one rule), never the page's own (ui29: the schools page had 90/70 of its own).
 */
export type Cut = 'floor' | 'ceil';
/** The page's language (i18n.ts Lang; not imported: i18n.ts reads the DOM, and this module is tested in Node). */
type Lang = 'vi' | 'en';

/** `percent` (0–100) cut to `decimals` toward `cut`; a figure already on that grid (up to float noise) is itself. */
export function cutPercent(percent: number, decimals: number, cut: Cut): number {
  const scale = 10 ** decimals;
  const scaled = percent * scale;
  // 0.29 * 100 * 10 is 289.99999999999994: a whole number of steps, not 289
  const whole = Math.round(scaled);
  const steps = Math.abs(scaled - whole) < 1e-6 ? whole : Math[cut](scaled);
  return steps / scale;
}

/** A percentage already cut, with exactly `decimals` decimals in the page's language: "89,9 %" (vi), "89.9 %" (en). */
export function percentText(percent: number, lang: Lang, decimals = 1): string {
  const format = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return `${format.format(percent)} %`;
}

/** A ratio (0–1) as shown: a percentage with one decimal, cut toward `cut`. */
export function ratioText(ratio: number, lang: Lang, cut: Cut): string {
  return percentText(cutPercent(ratio * 100, 1, cut), lang);
}

const UNITS = { s: ['giây', 's'], min: ['phút', 'min'], h: ['giờ', 'h'], d: ['ngày', 'd'] } as const;

/** A duration in seconds as the overview says it (an outbox's lag): 45 s, 12 min, 1,5 h (vi: 45 giây, 1,5 giờ). */
export function durationText(s: number, lang: Lang): string {
  const [value, unit, decimals] =
    s < 90
      ? [Math.round(s), 's' as const, 0]
      : s < 5400
        ? [Math.round(s / 60), 'min' as const, 0]
        : s < 172_800
          ? [s / 3600, 'h' as const, 1]
          : [s / 86_400, 'd' as const, 1];
  const format = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return `${format.format(value)} ${UNITS[unit][lang === 'vi' ? 0 : 1]}`;
}
