/**
 * ui28 item 2: a percentage the dashboard shows never contradicts the band it is coloured in (a school at 89.96 %
 * was shown "90.0 %" in amber: the figure rounded to one decimal, the band judged on two). dashboard/src/figures.ts.
 */
import { describe, expect, it } from 'vitest';
import { cutPercent, durationText, percentText, ratioText } from '../../../dashboard/src/figures.js';

describe('dashboard figures', () => {
  it('a ratio judged "at least" just under an edge is shown under it', () => {
    expect(ratioText(0.8996, 'en', 'floor')).toBe('89.9 %');
    expect(ratioText(0.6996, 'vi', 'floor')).toBe('69,9 %');
    // on the edge: its figure
    expect(ratioText(0.9, 'en', 'floor')).toBe('90.0 %');
    // one record failing of 10,000 is not "100 %"
    expect(ratioText(0.9999, 'en', 'floor')).toBe('99.9 %');
  });

  it('a rate judged "more than" is ceiled: a little over the edge shows over it, a little over 0 is not 0', () => {
    expect(ratioText(0.2004, 'en', 'ceil')).toBe('20.1 %');
    expect(ratioText(0.2, 'en', 'ceil')).toBe('20.0 %');
    expect(ratioText(0.0004, 'en', 'ceil')).toBe('0.1 %');
    expect(ratioText(0, 'en', 'ceil')).toBe('0.0 %');
    // a guard's 2 of 6 over a 30 % threshold
    expect(ratioText(2 / 6, 'en', 'ceil')).toBe('33.4 %');
    expect(ratioText(0.3, 'en', 'floor')).toBe('30.0 %');
  });

  it('a figure already on the grid is itself, float noise aside', () => {
    expect(cutPercent(0.29 * 100, 1, 'floor')).toBe(29);
    expect(cutPercent(0.07 * 100, 1, 'ceil')).toBe(7);
    expect(cutPercent(57.3, 1, 'floor')).toBe(57.3);
    expect(cutPercent(57.3, 1, 'ceil')).toBe(57.3);
    expect(cutPercent(89.96, 2, 'floor')).toBe(89.96);
  });

  it("is written in the page's language, with the decimals asked for", () => {
    expect(percentText(89.96, 'vi', 2)).toBe('89,96 %');
    expect(percentText(89.96, 'en', 2)).toBe('89.96 %');
    expect(percentText(100, 'vi', 2)).toBe('100,00 %');
    expect(percentText(7, 'vi')).toBe('7,0 %');
  });

  it("says a duration in the page's language", () => {
    expect(durationText(45, 'vi')).toBe('45 giây');
    expect(durationText(45, 'en')).toBe('45 s');
    expect(durationText(720, 'vi')).toBe('12 phút');
    expect(durationText(5400, 'vi')).toBe('1,5 giờ');
    expect(durationText(5400, 'en')).toBe('1.5 h');
    expect(durationText(259_200, 'vi')).toBe('3,0 ngày');
  });
});
