/**
 * A member of a JSON body's top-level object found in its bytes (src/api/json-member.ts; issue 7, a new
 * batch's records stored as sent): the bytes found are exactly the member's text as sent, and any doubt
 * answers undefined.
 */
import { describe, expect, it } from 'vitest';
import { memberBytes } from '../../../src/api/json-member.js';

const found = (text: string, key = 'records'): string | undefined =>
  memberBytes(Buffer.from(text), key)?.toString('utf8');

describe('memberBytes', () => {
  it('finds the member as sent, whitespace and escapes kept', () => {
    expect(found('{"entity":"students","records":[{"a":"b"}]}')).toBe('[{"a":"b"}]');
    const pretty =
      '\ufeff {\n  "records" : [ {"fullName": "Nguy\\u1ec5n \\"A\\" ]}{", "n": 1.50e1} ] ,\r\n\t"mode":"delta"}\n';
    expect(found(pretty)).toBe('[ {"fullName": "Nguy\\u1ec5n \\"A\\" ]}{", "n": 1.50e1} ]');
    expect(found('{"records":[],"entity":"x"}')).toBe('[]');
    expect(found('{"a":{"records":1},"records":null}')).toBe('null');
    expect(found('{"a":"\\\\","records":"x\\\\"}')).toBe('"x\\\\"');
    expect(found('{"a":[1,{"b":[true,false]}],"records":-2}')).toBe('-2');
  });

  it('answers undefined when in doubt', () => {
    // A member name written with an escape could spell the key.
    expect(found('{"rec\\u006frds":[1]}')).toBeUndefined();
    expect(found('{"records":[1],"x\\n":2}')).toBeUndefined();
    // Twice: JSON.parse keeps the last one.
    expect(found('{"records":[1],"records":[2]}')).toBeUndefined();
    expect(found('{"entity":"students"}')).toBeUndefined();
    expect(found('[{"records":[1]}]')).toBeUndefined();
    expect(found('{"a":{"records":[1]}}')).toBeUndefined();
    expect(found('{}')).toBeUndefined();
    expect(found('"records"')).toBeUndefined();
  });

  it('gives what JSON.parse gives, on generated bodies', () => {
    const texts = ['', 'a', 'Nguyễn Thị Ánh', '"}]{[,:', '\\', '\n\t', '😀', 'records'];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const value = (depth: number): unknown => {
      const kind = next(depth > 2 ? 4 : 6);
      if (kind === 0) return texts[next(texts.length)];
      if (kind === 1) return next(1000) - 500 + next(100) / 8;
      if (kind === 2) return [true, false, null][next(3)];
      if (kind === 3) return texts[next(texts.length)]!.repeat(next(3));
      if (kind === 4) return Array.from({ length: next(4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: next(4) }, (_, i) => [`${texts[next(texts.length)]}${i}`, value(depth + 1)]),
      );
    };
    for (let i = 0; i < 300; i++) {
      const records = Array.from({ length: next(5) }, () => value(0));
      const body = { before: value(1), records, after: value(1) };
      const text = i % 2 === 0 ? JSON.stringify(body) : JSON.stringify(body, null, i % 4 === 1 ? 2 : '\t');
      const bytes = found(text);
      expect(bytes).toBeDefined();
      expect(JSON.parse(bytes!)).toEqual(records);
    }
  });
});
