/**
 * Hostile input, refused before any route sees it (issue 9). JSON bodies are decoded as strict UTF-8
 * (invalid bytes are refused, never stored as U+FFFD), parsed with prototype-poisoning protection,
 * then walked once, iteratively, for what PostgreSQL's jsonb or a recursive serialiser cannot take:
 * NUL characters, lone surrogates, nesting deeper than `maxDepth`, and arrays inside records longer
 * than `maxNestedArrayItems`. Malformed HTTP (CR/LF in a header value, headers over Node's limit) is
 * answered with a problem document too (../socket-problem.ts `clientErrorHandler`).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { errorCodes, type FastifyInstance, type FastifyRequest, type FastifySchemaCompiler } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { AppError, both } from '../../errors.js';
import { printableKey } from '../../canonical/keys.js';
import { scanJson, type ScannedMember } from '../json-scan.js';
import { whereJsonStopped } from '../json-where.js';
import { refuseCharset, refuseContentEncoding } from './media-types.js';
import { refuseRepeatedKeys } from './repeated-keys.js';

export interface InputLimits {
  /** Deepest nesting of objects and arrays accepted in a JSON body (the envelope is level 1). */
  maxDepth: number;
  /** Longest array accepted below the envelope's own fields (the records array is bounded by its route). */
  maxNestedArrayItems: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Strict UTF-8 → string; invalid bytes are a 400, never U+FFFD. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new AppError('ERR_INVALID_ENCODING');
  }
}

/** ES2024 `String.prototype.isWellFormed` (Node ≥ 20), not yet in the project's TypeScript lib. */
const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'nul_character';
  if (!isWellFormed(s)) return 'lone_surrogate';
  return undefined;
}

/** Whether a text holds what no value of truc may hold (NUL, a lone surrogate): e.g. HTTP Basic credentials. */
export const holdsForbiddenText = (s: string): boolean => textProblem(s) !== undefined;

interface Node {
  /** An object or array. */
  v: object;
  key: string | number;
  parent: Node | undefined;
  /** Its nesting level: the body's own object or array is level 1. */
  depth: number;
}

/** `/body/a/b` with each key made printable (a key may be a personal ID: never echo it). */
function pointerOf(n: Node | undefined, last?: string | number): string {
  const keys: string[] = last === undefined ? [] : [printableKey(String(last))];
  for (let at = n; at?.parent; at = at.parent) keys.push(printableKey(String(at.key)));
  return `/body${keys
    .reverse()
    .map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('')}`;
}

function fieldError(
  code: 'ERR_BODY_TOO_DEEP' | 'ERR_VALIDATION' | 'ERR_INVALID_TEXT',
  pointer: string,
  rule: string,
  /** `vi / en` ({@link both}), as every `errors[].message` (review30 F5). */
  message: string,
) {
  return new AppError(code, undefined, { errors: [{ pointer, rule, message }] });
}

/**
 * Whether the JSON text may decode to a string holding NUL or a lone surrogate. Strict UTF-8 bytes
 * cannot encode either (U+D800–U+DFFF are invalid UTF-8) and JSON refuses raw control characters in
 * strings, so both can only come from a `\u0000` or `\uD800`–`\uDFFF` escape: a text without one
 * (a false alarm such as `\\u0000` only costs the full walk) needs no look at its strings.
 */
export function mayHoldForbiddenText(text: string): boolean {
  return /\\u(?:0000|[dD][89a-fA-F])/.test(text);
}

/**
 * Whether the JSON text may hold a number beyond a double (`1e400`, 309 digits), read as ±Infinity, stored as `null`:
 * a value sent read as none (sec8 S8-3); a false alarm (`"2e3"`) costs the full walk. Linear: 309 digits tried only
 * where a run of digits starts (review8 R8-7: tried from every digit, 5 MB of 308-digit runs took ~8 s). */
export const mayOverflow = (text: string): boolean => /\d[eE]\+?\d|(?<!\d)\d{309}/.test(text);

/**
 * Whether a parsed JSON value is within the depth and nested-array limits: the quick look at its
 * objects' and arrays' values only (no keys, no paths), for a body whose strings need no check.
 */
function withinLimits(value: unknown, limits: InputLimits): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > limits.maxDepth) return false;
    const isArray = Array.isArray(v);
    if (isArray && depth >= 3 && v.length > limits.maxNestedArrayItems) return false;
    const children: unknown[] = isArray ? v : Object.values(v);
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (typeof c === 'object' && c !== null) {
        stack.push(c);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

/** Throws when a string or number (at `key` of `parent`) is what no value may be: forbidden text, an overflowed number. */
function refuseValue(
  v: unknown,
  parent: Node | undefined,
  key: string | number,
  texts: boolean,
  numbers: boolean,
) {
  if (typeof v === 'number' && numbers && !Number.isFinite(v)) {
    const words = both('số nằm ngoài phạm vi (quá ±1,8e308)', 'a number out of range (beyond ±1.8e308)');
    throw fieldError('ERR_VALIDATION', pointerOf(parent, key), 'too_big', words);
  }
  const rule = typeof v === 'string' && texts ? textProblem(v) : undefined;
  if (rule) {
    const words = both('một giá trị chứa ký tự không được phép', 'a value holds a forbidden character');
    throw fieldError('ERR_INVALID_TEXT', pointerOf(parent, key), rule, words);
  }
}

/**
 * Walks a parsed JSON value once (explicit stack of its objects and arrays, no recursion, no per-node path copies)
 * and throws the first problem found: too deep, a nested array too long, (unless `checkTexts` is false: see
 * {@link mayHoldForbiddenText}) a key or string value holding NUL or a lone surrogate, or (unless `checkNumbers` is
 * false: {@link mayOverflow}) a number that overflowed. Without either, a value within the limits is only looked at
 * quickly ({@link withinLimits}); the full walk then runs only to say where a problem is.
 */
export function inspectJson(
  value: unknown,
  limits: InputLimits,
  checkTexts = true,
  checkNumbers = true,
): void {
  if (!checkTexts && !checkNumbers && withinLimits(value, limits)) return;
  const stack: Node[] = [];
  const visit = (parent: Node | undefined, key: string | number, v: unknown): void => {
    if (typeof v !== 'object' || v === null) {
      refuseValue(v, parent, key, checkTexts, checkNumbers);
      return;
    }
    const n: Node = { v, key, parent, depth: (parent?.depth ?? 0) + 1 };
    if (n.depth > limits.maxDepth) {
      throw fieldError(
        'ERR_BODY_TOO_DEEP',
        pointerOf(n),
        'too_deep',
        both(`lồng nhau tối đa ${limits.maxDepth} cấp`, `at most ${limits.maxDepth} levels`),
      );
    }
    stack.push(n);
  };
  visit(undefined, '', value);
  while (stack.length > 0) {
    const n = stack.pop()!;
    const v = n.v;
    if (Array.isArray(v)) {
      if (n.depth >= 3 && v.length > limits.maxNestedArrayItems) {
        throw fieldError(
          'ERR_VALIDATION',
          pointerOf(n),
          'too_big',
          both(`tối đa ${limits.maxNestedArrayItems} phần tử`, `at most ${limits.maxNestedArrayItems} items`),
        );
      }
      for (let i = v.length - 1; i >= 0; i--) visit(n, i, v[i]);
      continue;
    }
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      const rule = checkTexts ? textProblem(k) : undefined;
      if (rule) {
        throw fieldError(
          'ERR_INVALID_TEXT',
          pointerOf(n),
          rule,
          both('một tên trường chứa ký tự không được phép', 'a field name holds a forbidden character'),
        );
      }
      visit(n, k, (v as Record<string, unknown>)[k]);
    }
  }
}

/** JSON.parse with `__proto__` and `constructor.prototype` keys refused (prototype poisoning). */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw new AppError('ERR_MALFORMED_JSON');
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    // secure-json-parse reports poisoning as a SyntaxError too, with this message.
    const poisoned = /forbidden prototype property/.test((err as Error).message);
    if (poisoned) throw new AppError('ERR_FORBIDDEN_KEY');
    throw new AppError('ERR_MALFORMED_JSON', whereJsonStopped(text, (err as Error).message));
  }
}

/**
 * A JSON body's bytes → its text and value, or the refusal: strict UTF-8, parsed without prototype
 * poisoning, then walked for depth, long nested arrays, (only when an escape could have made one)
 * NUL and lone surrogates, and (only when the text may hold one) a number beyond a double.
 */
export function readJsonBody(body: Buffer, limits: InputLimits): { text: string; value: unknown } {
  const text = decodeUtf8(body);
  const value = parseJson(text);
  inspectJson(value, limits, mayHoldForbiddenText(text), mayOverflow(text));
  return { text, value };
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * SHA-256 (hex) of the JSON body's bytes as received: an Idempotency-Key's request hash is over the
     * bytes sent, so a retry must resend the same bytes (as RFC-draft idempotency keys and Stripe
     * expect), and nothing is re-serialised or sorted; a batch of the same bytes as an earlier one is a
     * repeat (../batch-intake.ts).
     */
    bodySha256: string | undefined;
    /** The JSON body's length in bytes as received (a route whose body limit depends on what it says). */
    bodyBytes: number | undefined;
  }
  interface FastifyContextConfig {
    /**
     * A route's look-up of bodies it has taken before, by the SHA-256 of their bytes: what it returns
     * stands for the body, which is then neither decoded, parsed nor inspected (the same bytes passed
     * all that before), nor validated by the route's schema (a stand-in object: {@link passingKnownBodies}).
     * Undefined: an unknown body, parsed as usual.
     */
    knownBody?: (request: FastifyRequest, bodySha256: string) => Promise<unknown>;
    /**
     * A route's stand-in for a new JSON body its scan found well-formed and within every limit (../json-scan.ts:
     * the full path would refuse nothing), made from its bytes and top-level members without decoding or parsing
     * it all; it is validated by the route's schema as the body would be. Undefined (or no stand-in): the body is
     * decoded, parsed and inspected as usual.
     */
    standIn?: (request: FastifyRequest, bytes: Buffer, members: readonly ScannedMember[]) => unknown;
  }
}

/** A request body as received: its chunks, their length and the SHA-256 (hex) of their bytes. */
export interface ReceivedBody {
  chunks: Buffer[];
  length: number;
  sha256: string;
}

/** The request stream as fastify hands it to a parser (a preParsing stream may say how much it decoded). */
type Payload = Readable & { receivedEncodedLength?: number };

/**
 * Reads a body, hashing each chunk as it arrives, with the limits and refusals of fastify's own body
 * reader (content-type-parser.js `rawBody`): a declared or received length over `limit` is a 413, a
 * received length other than the declared one a 400, a stream error a 400 unless it carries its own
 * 4xx. The chunks are kept, not joined: a body the route knows already (issue 7, an unchanged re-push)
 * is never copied whole (a fresh ~370 KB buffer a 1000-record batch, and the page faults of mapping it).
 */
export function receiveBody(payload: Payload, declared: number, limit: number): Promise<ReceivedBody> {
  if (declared > limit) return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = (): void => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
    };
    function onData(chunk: Buffer | string): void {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      length += bytes.length;
      if (length > limit || (payload.receivedEncodedLength ?? 0) > limit) {
        stop();
        reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      hash.update(bytes);
      chunks.push(bytes);
    }
    function onEnd(err?: Error & { statusCode?: number }): void {
      stop();
      if (err != null) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        reject(err);
        return;
      }
      if (!Number.isNaN(declared) && (payload.receivedEncodedLength || length) !== declared) {
        reject(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
        return;
      }
      resolve({ chunks, length, sha256: hash.digest('hex') });
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  });
}

/** What a route's `knownBody` answered this process for a body it knew (objects only). */
const knownBodies = new WeakSet<object>();

/**
 * A validator compiler that lets through, as it is, what a route's `knownBody` answered for a body: it
 * stands for bytes the same route validated when it first took them, so it is not validated again (issue 7,
 * unchanged re-push: the stand-in of a 1000-record batch cost zod ~270 KB of allocation a request to
 * check 1000 empty records). Every other value, and every other part of a request, is validated by `compile`.
 */
export function passingKnownBodies<S>(compile: FastifySchemaCompiler<S>): FastifySchemaCompiler<S> {
  return function compileRoute(route) {
    const validate = compile(route);
    if (route.httpPart !== 'body') return validate;
    return function validateUnlessKnown(data: unknown) {
      return typeof data === 'object' && data !== null && knownBodies.has(data)
        ? { value: data }
        : validate(data);
    };
  };
}

export default fp(
  async function hostileInput(app: FastifyInstance, opts: InputLimits) {
    app.decorateRequest('bodySha256', undefined);
    // A body is JSON (or, where a route's schema `consumes` it, a form: ./form-body.ts): any other media type is a 415
    // ERR_UNSUPPORTED_MEDIA_TYPE before the route's schema sees it (api27: fastify's own text/plain parser handed
    // `text/plain` bodies to the schema, a 400).
    app.removeContentTypeParser('text/plain');
    app.addHook('preParsing', refuseContentEncoding);
    app.addHook('preParsing', refuseCharset);
    app.decorateRequest('bodyBytes', undefined);
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      'application/json',
      async function parseJsonBody(req: FastifyRequest, payload: Payload): Promise<unknown> {
        const declared = Number(req.headers['content-length']);
        const body = await receiveBody(payload, declared, req.routeOptions.bodyLimit);
        // No bytes where the route declares no body are no body, as `{}` is (./query-text.ts): many clients set
        // Content-Type: application/json on every POST (review35b F9: was 400 ERR_MALFORMED_JSON, "not valid JSON").
        // A route that reads a body still refuses an empty one.
        if (
          body.length === 0 &&
          (req.routeOptions.schema as { body?: unknown } | undefined)?.body === undefined
        )
          return undefined;
        const known = await req.routeOptions.config.knownBody?.(req, body.sha256);
        req.bodySha256 = body.sha256;
        req.bodyBytes = body.length;
        if (known !== undefined) {
          if (typeof known === 'object' && known !== null) knownBodies.add(known);
          return known;
        }
        const bytes = Buffer.concat(body.chunks, body.length);
        const standIn = req.routeOptions.config.standIn;
        const members = standIn ? scanJson(bytes, opts) : undefined;
        const stood = members ? standIn!(req, bytes, members) : undefined;
        if (stood !== undefined) return stood;
        const { text, value } = readJsonBody(bytes, opts);
        if (req.routeOptions.config.uniqueKeys !== false) refuseRepeatedKeys(text);
        return value;
      },
    );
  },
  { name: 'truc-hostile-input' },
);
