/**
 * What truc may say of an error in a log line or a stored failure (a dead letter): never the values it
 * was working on. PostgreSQL quotes a statement's values in its messages (`invalid input syntax for type
 * date: "…"`) and lists them in `detail` (`Key (personal_id)=(…) already exists.`); a driver's error
 * carries its statement and parameters, an HTTP client's error its request and the answer's body.
 */

/** Fields of an error never written: values, statements, requests and bodies. */
const DROPPED = new Set([
  'detail',
  'where',
  'hint',
  'internalQuery',
  'query',
  'parameters',
  'params',
  'values',
  'input',
  'config',
  'request',
  'response',
  'data',
  'body',
  'responseBody',
]);

/** A quoted name PostgreSQL puts after one of these words is an identifier (kept), any other a value. */
const NAMED =
  /\b(?:relation|constraint|column|table|index|schema|sequence|type|trigger|view|database|role|extension|cursor|savepoint|statement|portal|parameter|channel)\s+$/i;

const MAX_CAUSES = 8;

/** True for an error PostgreSQL itself reported (it has a severity and a five-character SQLSTATE). */
export function isServerError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
}

/** `text` with every double-quoted value (not an identifier) replaced by "…". */
function blankQuoted(text: string): string {
  return text.replace(/"(?:[^"]|"")*"/g, (quoted, at: number) =>
    NAMED.test(text.slice(Math.max(0, at - 40), at)) ? quoted : '"…"',
  );
}

/** The error and its causes, outermost first (at most {@link MAX_CAUSES}, never twice the same). */
function chainOf(err: Error): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && !chain.includes(e) && chain.length < MAX_CAUSES;) {
    chain.push(e);
    e = e.cause;
  }
  return chain;
}

/** zod's issues without the values checked (`input`, there when a parse asked for `reportInput`). */
function withoutInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInput);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'input')
      .map(([key, v]) => [key, withoutInput(v)]),
  );
}

const issuesOf = (err: Error): unknown[] | undefined => {
  const issues = (err as { issues?: unknown }).issues;
  return Array.isArray(issues) ? issues : undefined;
};

/**
 * What may be said of each error's message in the chain, where it differs: a PostgreSQL error's quoted
 * values blanked, a zod error's issues without their input. An error that wraps one often repeats its
 * message in its own (`PermanentJobError(code, err.message, { cause: err })`): the pairs apply to all.
 */
function blankedOf(chain: readonly Error[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const e of chain) {
    if (e.message === '') continue;
    const issues = issuesOf(e);
    const safe = isServerError(e)
      ? blankQuoted(e.message)
      : issues
        ? JSON.stringify(withoutInput(issues), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2)
        : e.message;
    if (safe !== e.message) pairs.push([e.message, safe]);
  }
  return pairs;
}

function say(text: string, blanked: ReadonlyArray<[string, string]>): string {
  return blanked.reduce((out, [raw, safe]) => out.split(raw).join(safe), text);
}

/**
 * An error's message as a log line or a dead letter may hold it: the quoted values of a PostgreSQL error
 * (it, or one of its causes whose message it repeats) blanked.
 */
export function safeMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return say(err.message, blankedOf(chainOf(err)));
}

/**
 * The error itself with the words a store may keep (the queue keeps a failed job's `failedReason` and
 * `stacktrace` for days): its message as {@link safeMessage} says it, and its stack likewise. Everything
 * else (its class, name, code, status, fields) is kept, so what reads it to decide (BullMQ's
 * UnrecoverableError, a retry's Retry-After) decides the same. An error whose message cannot be replaced
 * (a getter, as zod's) is wrapped instead: a plain Error of the same name with those words, the error as
 * its cause.
 */
export function withSafeWords(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const blanked = blankedOf(chainOf(err));
  if (blanked.length === 0) return err;
  const message = say(err.message, blanked);
  const stack = say(err.stack ?? '', blanked);
  try {
    Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true });
    Object.defineProperty(err, 'stack', { value: stack, writable: true, configurable: true });
    return err;
  } catch {
    const safe = new Error(message, { cause: err });
    safe.name = err.name;
    safe.stack = stack;
    return safe;
  }
}

/** A value of one of an error's own fields, as written: errors serialized, personal fields not at all. */
function safeField(value: unknown, depth: number): unknown {
  if (value instanceof Error) return depth < 3 ? serializeErrorAt(value, depth + 1) : safeMessage(value);
  if (Array.isArray(value)) return value.map((v) => safeField(v, depth));
  return value;
}

function serializeErrorAt(err: Error, depth: number): Record<string, unknown> {
  const chain = chainOf(err);
  const blanked = blankedOf(chain);
  const messages = chain.map((e) => say(e.message, blanked));
  const out: Record<string, unknown> = {
    type: err.constructor?.name || err.name,
    // As pino's: the causes' messages after the error's own, unless it already ends with them.
    message: messages.filter((m, i) => i === 0 || !messages[i - 1]!.endsWith(m)).join(': '),
    stack: chain.map((e) => say(e.stack ?? '', blanked)).join('\ncaused by: '),
  };
  for (const key of Object.keys(err)) {
    if (key in out || key === 'cause' || DROPPED.has(key)) continue;
    out[key] = safeField((err as unknown as Record<string, unknown>)[key], depth);
  }
  const issues = issuesOf(err);
  if (issues) out.issues = withoutInput(issues);
  return out;
}

/**
 * The logger's serializer of `err` and `error`: an error as {@link serializeErrorAt} writes it (its type,
 * code and fields, its message and stack with its causes', never the fields of {@link DROPPED} nor a
 * PostgreSQL error's quoted values). A plain object (an error's summary, see ./outage.ts `errorKind`) is
 * kept as it is, without those fields.
 */
export function serializeError(err: unknown): unknown {
  if (err instanceof Error) return serializeErrorAt(err, 0);
  if (typeof err !== 'object' || err === null) return err;
  return Object.fromEntries(Object.entries(err).filter(([key]) => !DROPPED.has(key)));
}
