/**
 * A key repeated in one object of a JSON body, refused on every route but those that opt out (`config.uniqueKeys:
 * false`): the OAuth token endpoint (fix33c), whose form body already refuses a repeated parameter (./form-body.ts,
 * RFC 6749 §3.1 "MUST NOT be included more than once", §5.2 `invalid_request`), and the operators' routes (review33b
 * F3: a replay's `{"ids":[…],"ids":[…]}`, a decision's two reasons). `JSON.parse` (and secure-json-parse, ./input.ts)
 * keeps the last value of a repeated key, so `{"client_secret":"x","client_secret":"…"}` was read as the second one,
 * while a proxy, a WAF or an audit of the raw request reading the first saw another request. The body's text, already
 * parsed as strict JSON, is read again as jsonc-parser's tree (no hand-written JSON parser): a few times a parse's
 * cost, nothing for an operator's small body; the vendors' batch push opts out (../routes/batches.ts: bodies of up
 * to 10 MiB on the hot path, read by its own scanner).
 */
import jsonc from 'jsonc-parser';
import { printableKey } from '../../canonical/keys.js';
import { AppError, both } from '../../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: a JSON body that repeats a key in one of its objects is taken (the last value), not refused (400
     * ERR_VALIDATION, rule `repeated`, the default). Only the vendors' batch push (../routes/batches.ts).
     */
    uniqueKeys?: false;
  }
}

/**
 * The refusal of a key or parameter sent more than once: 400 ERR_VALIDATION naming it (`/body/<name>`, each key
 * printable: a key may be a personal ID, never echoed), rule `repeated`, in the words given (vi, en).
 */
export function repeatedRefusal(path: ReadonlyArray<string | number>, vi: string, en: string): AppError {
  const pointer = `/body${path.map((k) => `/${printableKey(String(k))}`).join('')}`;
  return new AppError('ERR_VALIDATION', undefined, {
    errors: [{ pointer, rule: 'repeated', message: both(vi, en) }],
  });
}

/**
 * Throws {@link repeatedRefusal} for a key of `text` (strict JSON, already parsed and within the depth limit) that one
 * of its objects holds twice: read as jsonc-parser's tree, which keeps every member (`JSON.parse` keeps the last).
 */
export function refuseRepeatedKeys(text: string): void {
  const root = jsonc.parseTree(text, undefined, { disallowComments: true, allowTrailingComma: false });
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const children = node.children ?? [];
    if (node.type === 'object') {
      const keys = new Set<unknown>();
      for (const member of children) {
        const [key, value] = member.children ?? [];
        if (key === undefined || value === undefined) continue;
        if (keys.has(key.value))
          throw repeatedRefusal(
            jsonc.getNodePath(value),
            'một khoá được gửi nhiều lần trong một đối tượng JSON (mỗi khoá một lần)',
            'a key is sent more than once in one JSON object (each key once)',
          );
        keys.add(key.value);
        stack.push(value);
      }
    } else {
      // One at a time: spread as arguments, an array of some 150,000 items overflowed the stack (review9: a 500 to an
      // unsigned POST /oauth/token of 400 KB).
      for (const child of children) stack.push(child);
    }
  }
}
