/** The test factories make valid canonical records: a test that overrides one field tests that field. */
import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMAS, naturalKey } from '../../src/canonical/index.js';
import { classGroup, school, staff, student } from '../factories/records.js';

describe('test factories', () => {
  it.each([
    ['schools', school()],
    ['classes', classGroup()],
    ['students', student()],
    ['staff', staff()],
  ] as const)('%s: the default record passes its schema unchanged', (entity, record) => {
    expect(ENTITY_SCHEMAS[entity].parse(record)).toEqual(record);
  });

  it('overrides replace only what they name; keys come from the first argument', () => {
    const s = student('HS9', { sex: 'female' });
    expect(s).toEqual({ ...student(), studentCode: 'HS9', sex: 'female' });
    expect(naturalKey('students', s)).toBe('HS9');
    expect(naturalKey('staff', staff('GV9'))).toBe('GV9');
  });
});
