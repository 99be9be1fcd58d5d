/**
 * The one table of zod's type names in Vietnamese and English (fold6): the API's 400s and a batch's wire findings
 * (src/canonical/zod-text.ts: the Vietnamese goes into zod's Vietnamese locale where it leaves a type name in English,
 * "mong đợi string" → "mong đợi chuỗi", and both say how to send a value it refused, tidy7: "send a as an integer") and
 * a configuration problem (./issue-words.ts: "phải là chuỗi / must be a string"). `en` reads after its article
 * ({@link withArticle}: "must be an object"), in JSON's words as the Vietnamese says them ("đối tượng", "mảng"; was
 * YAML's "mapping" and "list", which a vendor's 400 read beside zod's own "expected object"); a type not listed is
 * said by its name in both.
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
  object: { vi: 'đối tượng', en: 'object' },
  record: { vi: 'đối tượng', en: 'object' },
  array: { vi: 'mảng', en: 'array' },
  tuple: { vi: 'mảng', en: 'array' },
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

/** "a string", "an object": a type's English words after their article. */
export const withArticle = (en: string): string => `${/^[aeiou]/.test(en) ? 'an' : 'a'} ${en}`;
