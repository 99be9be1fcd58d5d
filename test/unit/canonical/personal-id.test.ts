import { describe, expect, it } from 'vitest';
import {
  BIRTH_REGISTRATION_PROVINCE_CODES,
  PERSONAL_ID_RULES,
  checkPersonalIdAgainst,
  isBirthRegistrationCode,
  makePersonalId,
  parsePersonalId,
} from '../../../src/canonical/index.js';

const rulesOf = (id: string, recorded = {}) => checkPersonalIdAgainst(id, recorded).map((i) => i.rule);

describe('parsePersonalId', () => {
  it.each([
    ['079085001234', '079', 'male', 19, 1985, false],
    ['079185001234', '079', 'female', 19, 1985, false],
    ['001200000001', '001', 'male', 20, 2000, false],
    ['001319999999', '001', 'female', 20, 2019, false],
    ['096299123456', '096', 'male', 20, 2099, false],
    ['175412000000', '175', 'male', 21, 2112, true],
    ['101500000000', '101', 'female', 21, 2100, true],
    ['295999000000', '295', 'female', 23, 2399, true],
  ] as const)('%s → %s %s born %s', (id, code, sex, century, birthYear, abroad) => {
    const result = parsePersonalId(id);
    expect(result).toEqual({
      ok: true,
      value: {
        birthRegistrationCode: code,
        registeredAbroad: abroad,
        sex,
        century,
        birthYearTwoDigits: id.slice(4, 6),
        birthYear,
      },
    });
  });

  it.each([
    ['too short', '07908500123'],
    ['too long', '0790850012345'],
    ['legacy CMND', '023456789'],
    ['letters', '07908500123X'],
    ['spaces', '079 085 001234'],
    ['padded', ' 079085001234'],
    ['empty', ''],
    ['full-width digits', '０７９０８５００１２３４'],
  ])('rejects %s with PERSONAL_ID_FORMAT', (_label, id) => {
    const result = parsePersonalId(id);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => i.rule)).toEqual(['PERSONAL_ID_FORMAT']);
  });

  it('names a 9-digit number as a legacy CMND, in both languages', () => {
    const result = parsePersonalId('023456789');
    const issue = result.ok ? undefined : result.issues[0];
    expect(issue?.en).toMatch(/CMND/);
    expect(issue?.vi).toMatch(/CMND/);
  });

  it.each(['000', '003', '005', '097', '100', '296', '999'])('rejects birth-registration code %s', (ppp) => {
    expect(rulesOf(`${ppp}085001234`)).toEqual(['PERSONAL_ID_PROVINCE']);
  });

  it('knows the 63 old province codes and the 101–295 country range', () => {
    expect(BIRTH_REGISTRATION_PROVINCE_CODES.size).toBe(63);
    expect(isBirthRegistrationCode('079')).toBe(true);
    expect(isBirthRegistrationCode('077')).toBe(true);
    expect(isBirthRegistrationCode('101')).toBe(true);
    expect(isBirthRegistrationCode('295')).toBe(true);
    expect(isBirthRegistrationCode('232')).toBe(true);
    expect(isBirthRegistrationCode('098')).toBe(false);
    expect(isBirthRegistrationCode('79')).toBe(false);
  });
});

describe('checkPersonalIdAgainst', () => {
  it('passes when sex and birth year agree', () => {
    expect(checkPersonalIdAgainst('079185001234', { sex: 'female', birthYear: 1985 })).toEqual([]);
    expect(checkPersonalIdAgainst('079219001234', { sex: 'male', birthYear: 2019 })).toEqual([]);
    expect(checkPersonalIdAgainst('079219001234', {})).toEqual([]);
  });

  it.each([
    ['079085001234', { sex: 'female' }, ['PERSONAL_ID_SEX_MISMATCH']],
    ['079185001234', { sex: 'male' }, ['PERSONAL_ID_SEX_MISMATCH']],
    ['079219001234', { birthYear: 2018 }, ['PERSONAL_ID_BIRTH_YEAR_MISMATCH']],
    ['079019001234', { birthYear: 2019 }, ['PERSONAL_ID_BIRTH_YEAR_MISMATCH']],
    [
      '079319001234',
      { sex: 'male', birthYear: 1919 },
      ['PERSONAL_ID_SEX_MISMATCH', 'PERSONAL_ID_BIRTH_YEAR_MISMATCH'],
    ],
    ['07931900123', { sex: 'male', birthYear: 1919 }, ['PERSONAL_ID_FORMAT']],
    ['097319001234', { sex: 'male' }, ['PERSONAL_ID_PROVINCE']],
  ] as const)('%s vs %j → %j', (id, recorded, rules) => {
    expect(rulesOf(id, recorded)).toEqual(rules);
  });

  it('gives bilingual messages that never contain the ID', () => {
    const issues = checkPersonalIdAgainst('079319001234', { sex: 'male', birthYear: 1919 });
    expect(issues).toHaveLength(2);
    for (const issue of issues) {
      expect(issue.vi).toBe(PERSONAL_ID_RULES[issue.rule].vi);
      expect(issue.en).toBe(PERSONAL_ID_RULES[issue.rule].en);
      expect(`${issue.vi} ${issue.en}`).not.toMatch(/\d{6}/);
    }
  });
});

describe('makePersonalId', () => {
  it.each([
    [{ provinceCode3: '079', sex: 'male', birthYear: 1985, serial: 1234 }, '079085001234'],
    [{ provinceCode3: '079', sex: 'female', birthYear: 1985, serial: 1234 }, '079185001234'],
    [{ provinceCode3: '001', sex: 'male', birthYear: 2000, serial: 0 }, '001200000000'],
    [{ provinceCode3: '001', sex: 'female', birthYear: 2019, serial: 999_999 }, '001319999999'],
    [{ provinceCode3: '232', sex: 'female', birthYear: 2105, serial: 7 }, '232505000007'],
  ] as const)('%j → %s', (input, id) => {
    expect(makePersonalId(input)).toBe(id);
  });

  it('round-trips through parsePersonalId for both sexes and centuries', () => {
    for (const sex of ['male', 'female'] as const) {
      for (const birthYear of [1900, 1999, 2000, 2025, 2099, 2100, 2399]) {
        const id = makePersonalId({ provinceCode3: '079', sex, birthYear, serial: 42 });
        expect(checkPersonalIdAgainst(id, { sex, birthYear }), id).toEqual([]);
      }
    }
  });

  it.each([
    [{ provinceCode3: '003', sex: 'male', birthYear: 2000, serial: 1 }],
    [{ provinceCode3: '79', sex: 'male', birthYear: 2000, serial: 1 }],
    [{ provinceCode3: '079', sex: 'male', birthYear: 1899, serial: 1 }],
    [{ provinceCode3: '079', sex: 'male', birthYear: 2400, serial: 1 }],
    [{ provinceCode3: '079', sex: 'male', birthYear: 2000.5, serial: 1 }],
    [{ provinceCode3: '079', sex: 'male', birthYear: 2000, serial: 1_000_000 }],
    [{ provinceCode3: '079', sex: 'male', birthYear: 2000, serial: -1 }],
  ] as const)('rejects %j', (input) => {
    expect(() => makePersonalId(input)).toThrow(RangeError);
  });
});
