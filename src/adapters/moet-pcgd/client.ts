/**
 * Transport of moet-pcgd (MODELLED interface, see README.md): OAuth2 client credentials, cursor paging
 * of survey persons, the working year, and figures submissions with Idempotency-Key. Returns parsed wire
 * types; every failure is an AppError (`ERR_ADAPTER_*`), never a raw axios error.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import { AppError, type FieldError } from '../../errors.js';
import { clientCredentials, createHttpClient, processOptions } from '../http.js';
import { clampPageSize, paginate, parseWire, wireIssues } from '../wire.js';
import type { ClientDeps, OAuthClientSettings, Page } from '../types.js';
import {
  figuresBodySchema,
  personPageSchema,
  problemSchema,
  receiptSchema,
  storedFiguresSchema,
  workingYearSchema,
  type FiguresBodyWire,
  type PersonWire,
  type ProblemWire,
  type ReceiptWire,
  type StoredFiguresWire,
  type WorkingYearWire,
} from './schema.js';

/** System id (metrics/log label). */
export const MOET_PCGD = 'moet-pcgd';
/** Largest page the system serves. */
const MOET_PCGD_MAX_PAGE = 500;

/**
 * Settings of the moet-pcgd client; `baseURL` e.g. `https://pcgd.moet.gov.vn/api` (modelled) or a
 * simulator URL. `clientSecret` is a secret: never log it.
 */
export interface MoetPcgdClientConfig extends OAuthClientSettings {
  /** @defaultValue 15000 (the system is slow near deadlines) */
  timeoutMs?: number;
  /** In-client retries of GETs on 429/5xx/timeouts. @defaultValue 0 (the job layer retries) */
  maxRetries?: number;
  /** Records per page. @defaultValue 200, capped at {@link MOET_PCGD_MAX_PAGE} */
  pageSize?: number;
}

/** Collaborators of the client. */
export type MoetPcgdClientDeps = ClientDeps;

/** A receipt, and whether the system replayed it for an Idempotency-Key it had seen. */
export type SubmitResult = ReceiptWire & { replayed: boolean };

/** Options of {@link MoetPcgdClient.listPersons}. */
export interface ListPersonsOptions {
  /** Resume after the page this cursor came from. */
  cursor?: string;
  limit?: number;
}

/** The moet-pcgd client. */
export interface MoetPcgdClient {
  /** Pages of one commune's survey records for a working year, until the last page. */
  listPersons(communeCode: string, year: number, opts?: ListPersonsOptions): AsyncGenerator<Page<PersonWire>>;
  /** The open working year, its data period and submission windows. */
  workingYear(): Promise<WorkingYearWire>;
  /**
   * Submits a unit's figures. Resending the same `idempotencyKey` returns the first receipt.
   * Throws ERR_ADAPTER_WINDOW_CLOSED outside the window, ERR_ADAPTER_REJECTED (with `errors`) for an
   * invalid body or a reused key, ERR_ADAPTER_RATE_LIMITED (with `retryAfterSeconds`) on 429.
   */
  submitFigures(
    unitCode: string,
    year: number,
    body: FiguresBodyWire,
    opts: { idempotencyKey: string },
  ): Promise<SubmitResult>;
  /** The latest accepted figures, or undefined when none were submitted. */
  getFigures(unitCode: string, year: number): Promise<StoredFiguresWire | undefined>;
}

const HANDLED_ON_PUT = new Set([200, 201, 400, 409, 422]);

function problemOf(data: unknown): ProblemWire | undefined {
  const parsed = problemSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

function fieldErrors(problem: ProblemWire | undefined): FieldError[] {
  return (problem?.errors ?? []).map((e) => ({ pointer: e.pointer, rule: e.code, message: e.message }));
}

/** Turns a handled non-2xx PUT answer into the AppError of the adapter contract. */
function submitError(res: AxiosResponse, unitCode: string, year: number): AppError {
  const problem = problemOf(res.data);
  const code = problem?.code ?? `HTTP_${res.status}`;
  if (res.status === 409) {
    const until =
      problem && 'submitBefore' in problem ? ` (submitBefore ${String(problem.submitBefore)})` : '';
    return new AppError(
      'ERR_ADAPTER_WINDOW_CLOSED',
      `${MOET_PCGD}: window closed for ${unitCode}/${year}${until}`,
    );
  }
  // The problem's own code last, at the empty pointer (first when it names no field): what a refusal of the
  // figures is called (INVALID_FIGURES, IDEMPOTENCY_KEY_REUSED, …), kept on the report (jobs/pcgd-submit.ts).
  const errors = fieldErrors(problem);
  errors.push({ pointer: '', rule: code, message: code });
  return new AppError(
    'ERR_ADAPTER_REJECTED',
    `${MOET_PCGD}: figures of ${unitCode}/${year} rejected (${code})`,
    {
      errors,
    },
  );
}

/** The body we are about to send, checked against the strict wire schema (a mapping bug otherwise). */
function checkedBody(body: FiguresBodyWire): FiguresBodyWire {
  const parsed = figuresBodySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = wireIssues(parsed.error, 10);
  throw new AppError('ERR_MAPPING_INVALID', `${MOET_PCGD}: figures body fails the wire schema`, { errors });
}

function pathSegment(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value))
    throw new AppError('ERR_VALIDATION', `${MOET_PCGD}: ${what} must match ${pattern.source}`);
  return value;
}

/** Creates the client on the shared HTTP factory. */
export function createMoetPcgdClient(
  config: MoetPcgdClientConfig,
  deps: MoetPcgdClientDeps = {},
): MoetPcgdClient {
  const baseURL = config.baseURL.replace(/\/+$/, '');
  const http: AxiosInstance = createHttpClient({
    system: MOET_PCGD,
    baseURL,
    timeoutMs: config.timeoutMs ?? 15_000,
    maxRetries: config.maxRetries ?? 0,
    auth: clientCredentials(config, baseURL),
    statusCodes: { 409: 'ERR_ADAPTER_WINDOW_CLOSED' },
    ...processOptions(deps),
  });
  const pageSize = clampPageSize(config.pageSize, 200, MOET_PCGD_MAX_PAGE);

  async function fetchPersonPage(communeCode: string, year: number, limit: number, cursor?: string) {
    const params: Record<string, string | number> = { year, limit };
    if (cursor !== undefined) params.cursor = cursor;
    const res = await http.get<unknown>(`/v1/units/${communeCode}/persons`, { params });
    const page = parseWire(personPageSchema, res.data, MOET_PCGD);
    const out: Page<PersonWire> = { items: page.items };
    if (page.nextCursor !== undefined) out.nextCursor = page.nextCursor;
    return out;
  }

  return {
    listPersons(communeCode, year, opts = {}) {
      const commune = pathSegment(communeCode, /^\d{5}$/, 'communeCode');
      const limit = clampPageSize(opts.limit, pageSize, MOET_PCGD_MAX_PAGE);
      return paginate((cursor) => fetchPersonPage(commune, year, limit, cursor), {
        system: MOET_PCGD,
        ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
      });
    },

    async workingYear() {
      const res = await http.get<unknown>('/v1/working-year');
      return parseWire(workingYearSchema, res.data, MOET_PCGD);
    },

    async submitFigures(unitCode, year, body, opts) {
      const unit = pathSegment(unitCode, /^(\d{2}|\d{5})$/, 'unitCode');
      const res = await http.put<unknown>(`/v1/units/${unit}/figures/${year}`, checkedBody(body), {
        headers: { 'Idempotency-Key': opts.idempotencyKey, 'content-type': 'application/json' },
        validateStatus: (status) => HANDLED_ON_PUT.has(status),
      });
      if (res.status >= 400) throw submitError(res, unit, year);
      const receipt = parseWire(receiptSchema, res.data, MOET_PCGD);
      return { ...receipt, replayed: res.status === 200 };
    },

    async getFigures(unitCode, year) {
      const unit = pathSegment(unitCode, /^(\d{2}|\d{5})$/, 'unitCode');
      const res = await http.get<unknown>(`/v1/units/${unit}/figures/${year}`, {
        validateStatus: (status) => (status >= 200 && status < 300) || status === 404,
      });
      if (res.status === 404 && problemOf(res.data)?.code !== 'UNIT_NOT_FOUND') return undefined;
      if (res.status === 404)
        throw new AppError('ERR_ADAPTER_REJECTED', `${MOET_PCGD}: unknown unit ${unit}`);
      return parseWire(storedFiguresSchema, res.data, MOET_PCGD);
    },
  };
}
