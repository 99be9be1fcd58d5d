/**
 * Where a body's JSON stopped parsing, in words for the refusal's detail (walk7 W7-5: ERR_MALFORMED_JSON said only
 * "not valid JSON", and a vendor with a 400 KB batch had nowhere to look). From `JSON.parse`'s own message: the end of
 * input, or a position, told as the line and column; nothing of the body's text is echoed (it may hold personal data).
 */
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

/** The detail of a `JSON.parse` failure of `text` with `message`, or undefined when it says no place. */
export function whereJsonStopped(text: string, message: string): string | undefined {
  const at = /at position (\d+)/.exec(message)?.[1];
  // A string left open is told at the text's end: cut short too.
  if (
    /Unexpected end of JSON input/.test(message) ||
    (at !== undefined && Number(at) >= text.trimEnd().length)
  )
    return both(
      'JSON dừng giữa chừng ở cuối nội dung (nội dung bị cắt?)',
      'the JSON ends before it is complete (was the body cut short?)',
    );
  if (at === undefined) return undefined;
  const { line, column } = lineColumn(text, Number(at));
  return both(
    `JSON sai ở dòng ${line}, cột ${column}`,
    `the JSON goes wrong at line ${line}, column ${column}`,
  );
}
