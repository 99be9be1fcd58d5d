/**
 * The one table of zod's type names in Vietnamese and English (fold6): the API's 400s and a batch's wire findings
 * (src/canonical/zod-text.ts: the Vietnamese goes into zod's Vietnamese locale where it leaves a type name in English,
 * "mong đợi string" → "mong đợi chuỗi", and both say how to send a value it refused, tidy7: "send a as an integer") and
 * a configuration problem (./issue-words.ts: "phải là chuỗi / must be a string"). `en` reads after "a" ("must be a
 * list"); a type not listed is said by its name in both.
 */
export interface TypeWords {
  readonly vi: string;
  readonly en: string;
}

export const TYPE_WORDS: Readonly<Record<string, TypeWords>> = {
  string: { vi: 'chuỗi', en: 'string' },
  number: { vi: 'số', en: 'number' },
  int: { vi: 'số nguyên', en: 'integer' },
  bigint: { vi: 'số nguyên lớn', en: 'big integer' },
  boolean: { vi: 'giá trị đúng/sai (true/false)', en: 'true/false value' },
  object: { vi: 'đối tượng', en: 'mapping' },
  record: { vi: 'đối tượng', en: 'mapping' },
  array: { vi: 'mảng', en: 'list' },
  tuple: { vi: 'mảng', en: 'list' },
  set: { vi: 'tập hợp', en: 'set' },
  map: { vi: 'bảng ánh xạ (map)', en: 'map' },
  date: { vi: 'ngày', en: 'date' },
  null: { vi: 'null (không có giá trị)', en: 'null' },
  undefined: { vi: 'không có giá trị', en: 'nothing' },
  symbol: { vi: 'ký hiệu (symbol)', en: 'symbol' },
  function: { vi: 'hàm', en: 'function' },
  file: { vi: 'tệp', en: 'file' },
  promise: { vi: 'promise', en: 'promise' },
};

/** A type's words; its own name in both languages where the table has none. */
export const typeWords = (name: string): TypeWords => TYPE_WORDS[name] ?? { vi: name, en: name };
