/**
 * A JSON body checked in its bytes (src/api/json-scan.ts; issue 7, a vendor's changed batch not parsed whole by
 * the API): the scan says yes only to a body the full path (`readJsonBody`) takes without a refusal, and then
 * lists the top-level members as parsing gives them. Checked on hand-picked spellings and on thousands of
 * generated and mangled bodies.
 */
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../../src/api/json-scan.js';
import { readJsonBody } from '../../../src/api/plugins/input.js';

const LIMITS = { maxDepth: 6, maxNestedArrayItems: 3 };

/** What the full path makes of `bytes`: its value, or undefined when it refuses them. */
function fullPath(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: readJsonBody(bytes, LIMITS).value };
  } catch {
    return undefined;
  }
}

/** The scan agrees with the full path: a yes only for a body taken, its members as parsed. */
function agrees(bytes: Buffer): boolean {
  const members = scanJson(bytes, LIMITS);
  if (members === undefined) return false;
  const full = fullPath(bytes);
  expect(full, bytes.toString('latin1')).toBeDefined();
  const value = full!.value as Record<string, unknown>;
  const last = new Map(members.map((m) => [m.name, m]));
  expect([...last.keys()].sort()).toEqual(Object.keys(value).sort());
  for (const [name, m] of last) {
    const parsed = JSON.parse(bytes.toString('utf8', m.start, m.end)) as unknown;
    expect(parsed).toEqual(value[name]);
    // The member's bytes (stored as sent) read back as the full path's serialised member would be (-0 is 0 there).
    const unsigned = JSON.parse(bytes.toString('utf8', m.start, m.end), (_, v: unknown) =>
      Object.is(v, -0) ? 0 : v,
    ) as unknown;
    expect(unsigned).toEqual(JSON.parse(JSON.stringify(value[name])));
    if (Array.isArray(parsed)) {
      expect(m.items).toBe(parsed.length);
      expect(m.objects).toBe(parsed.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x)));
    } else expect(m.items).toBe(-1);
  }
  return true;
}

const yes = (text: string) => agrees(Buffer.from(text));

describe('scanJson', () => {
  it('takes plain bodies, and lists their members', () => {
    expect(
      yes('{"entity":"students","records":[{"a":"Nguyễn \\"A\\" \\u00e9 \\/ \\n"},{}],"mode":"delta"}'),
    ).toBe(true);
    expect(
      yes('\ufeff \r\n{ "records" : [ { "n" : -0.5e+3 , "t" : true , "f" : false , "z" : null } ] }\t'),
    ).toBe(true);
    expect(yes('{}')).toBe(true);
    expect(yes('{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}')).toBe(true);
    expect(yes('{"records":[],"x":[1,"a",{"b":[2]}],"records":[{"y":1}]}')).toBe(true);
    expect(scanJson(Buffer.from('{"a":[[1,2,3]]}'), LIMITS)).toBeDefined();
    // Numbers at the edge of a double: the largest that do not overflow, and an underflow (0 on both paths).
    expect(yes(`{"a":1.7976931348623157e308,"b":-1e-400,"c":${'9'.repeat(308)},"d":-0}`)).toBe(true);
    // Names as long as a forbidden one, sharing its first and last bytes or not (perfwk: only those are compared).
    expect(yes('{"__prota__":1,"a":{"construcTor":2,"Constructor":3,"_________":4,"birthDate":5}}')).toBe(
      true,
    );
    // Long runs of plain bytes (one table look-up each), multi-byte UTF-8 among them, up to a quote or an escape.
    expect(yes(`{"a":"${'Nguyễn Văn '.repeat(500)}","b":"${'x'.repeat(3000)}\\n"}`)).toBe(true);
  });

  it('says no to what the full path refuses, and to what it is not sure of', () => {
    const no = [
      '',
      '  ',
      '[]',
      '"x"',
      '{"a":1,}',
      '{"a":1}x',
      '{"a" 1}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":+1}',
      '{"a":1e}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"\\u0000"}',
      '{"a":"\\ud800"}',
      '{"a":"\\uDFFF"}',
      '{"a":"tab\there"}',
      // A string running to the end of the body: after plain bytes, after an escape, after UTF-8.
      '{"a":"abc',
      '{"a":"abc\\',
      '{"a":"é',
      '{"abc',
      '{"a":"x\u0001y"}',
      '{"__proto__":{}}',
      '{"a":{"constructor":{"prototype":{}}}}',
      '{"a":{"constructor":1}}',
      '{"rec\\u006frds":[]}',
      '{"a":[[1,2,3,4]]}',
      '{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}',
      '\ufeff\ufeff{}',
      '{"a":1}\f',
      '{\u00a0"a":1}',
      // A number that overflows (Infinity to JSON.parse; the full path refuses it, sec8 S8-3): review13 N4.
      '{"records":[{"phone":1e400}]}',
      '{"a":-1E+309}',
      '{"a":1.8e308}',
      `{"a":${'9'.repeat(309)}}`,
      `{"a":-${'1'.repeat(400)}.5}`,
    ];
    for (const text of no) expect(scanJson(Buffer.from(text), LIMITS), text).toBeUndefined();
    expect(
      scanJson(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), LIMITS),
    ).toBeUndefined();
  });

  it('never says yes to a body the full path refuses: generated and mangled bodies', () => {
    let seed = 3;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const atoms = [
      '"s"',
      '"Ánh"',
      '"\\u00e9"',
      '"\\ud83d\\ude00"',
      '"\\\\"',
      '0',
      '-1.5e3',
      '10',
      'true',
      'false',
      'null',
    ];
    const keys = ['"a"', '"records"', '"entity"', '"é"', '""', '"__proto__"', '"k\\n"'];
    const value = (depth: number): string => {
      const k = next(depth > 4 ? 1 : 4);
      if (k === 0) return atoms[next(atoms.length)]!;
      if (k === 1)
        return `[${Array.from({ length: next(5) }, () => value(depth + 1)).join(next(2) ? ',' : ' , ')}]`;
      return `{${Array.from({ length: next(4) }, () => `${keys[next(keys.length)]}:${value(depth + 1)}`).join(',')}}`;
    };
    const noise = [
      ' ',
      ',',
      ':',
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      '0',
      '-',
      'e',
      '.',
      '\n',
      '\u0001',
      'x',
      '\ufeff',
    ];
    let taken = 0;
    for (let i = 0; i < 4000; i++) {
      let text = `{${Array.from({ length: next(4) }, () => `${keys[next(keys.length)]}:${value(2)}`).join(',')}}`;
      // Mangle most of them: a character in, out or changed.
      for (let m = next(3); m > 0; m--) {
        const at = next(text.length + 1);
        const op = next(3);
        const c = noise[next(noise.length)]!;
        text =
          op === 0
            ? text.slice(0, at) + c + text.slice(at)
            : op === 1
              ? text.slice(0, at) + text.slice(at + 1)
              : text.slice(0, at) + c + text.slice(at + 1);
      }
      if (agrees(Buffer.from(text))) taken++;
    }
    expect(taken).toBeGreaterThan(500);
  });
});
