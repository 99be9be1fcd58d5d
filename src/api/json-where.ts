/**
 * Where a body's JSON stopped parsing, in words for the refusal's detail (walk7 W7-5: ERR_MALFORMED_JSON said only
 * "not valid JSON", and a vendor with a 400 KB batch had nowhere to look). From `JSON.parse`'s own message: the end of
 * input, or a position, told as the line and column; nothing of the body's text is echoed (it may hold personal data).
 * V8 says no position for an unexpected token (`Unexpected token 'x', "…" is not valid JSON`, the body's text quoted):
 * its place is then the first error jsonc-parser finds reading the text as strict JSON (review8 R8-2).
 */
import jsonc from 'jsonc-parser';
import { both } from '../errors.js';

/** The line and column (both from 1) of character `at` of `text`. */
function lineColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/**
 * Where jsonc-parser, reading `text` as strict JSON (no comments, no trailing comma), first finds it wrong; undefined
 * when it cannot say: its reader recurses into each array and object, and a body nested some thousands deep (the depth
 * limit is checked once a body parses) overflowed its stack, a 500 (review9).
 */
function firstError(text: string): number | undefined {
  let at: number | undefined;
  // The reader stops at the first error: read on, a 5 MB body of commas cost ~1 s of the event loop (review9).
  const first = (_error: unknown, offset: number): never => {
    at = offset;
    throw STOP;
  };
  try {
    jsonc.visit(text, { onError: first }, { disallowComments: true, allowTrailingComma: false });
  } catch {
    // stopped at the first error, or too deep to read: the first error found before it, or none
  }
  return at;
}

const STOP = new Error('the first error is found');

const CUT_SHORT = both(
  'JSON dừng giữa chừng ở cuối nội dung (nội dung bị cắt?)',
  'the JSON ends before it is complete (was the body cut short?)',
);

/** The detail of a `JSON.parse` failure of `text` with `message`, or undefined when no place is found. */
export function whereJsonStopped(text: string, message: string): string | undefined {
  if (/Unexpected end of JSON input/.test(message)) return CUT_SHORT;
  const said = /at position (\d+)/.exec(message)?.[1];
  const at = said !== undefined ? Number(said) : firstError(text);
  if (at === undefined) return undefined;
  // A string left open is told at the text's end: cut short too.
  if (at >= text.trimEnd().length) return CUT_SHORT;
  const { line, column } = lineColumn(text, at);
  return both(
    `JSON sai ở dòng ${line}, cột ${column}`,
    `the JSON goes wrong at line ${line}, column ${column}`,
  );
}
