/** Sex code list. Numeric 1/2 follow the national public-service portal forms (1 Nam, 2 Nữ; DOMAIN §3.4). */
import type { Sex } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

/** Sex: male / female. */
export const SEX_CODE_LIST = defineCodeList<Sex>({
  id: 'sex',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source: 'Codes: truc. Numeric aliases 1 Nam / 2 Nữ: national public-service portal forms (DOMAIN.md §3.4).',
  entries: entriesOf([
    ['male', 'Nam', 'Male', ['M', '1', 'trai', 'con trai', 'boy']],
    ['female', 'Nữ', 'Female', ['F', '2', 'gái', 'con gái', 'girl']],
  ]),
});
