/**
 * The dashboard in a real browser for a test file (Debian's Chromium driven by playwright-core, as
 * test/e2e/dashboard.test.ts): the API on a real port over its own PostgreSQL database (PostgreSQL queues, no
 * worker: the state a test reads is made through the store), a city-admin client, one 1366 px page (a browser
 * context of its own on the worker's Chromium) that accepts every confirmation. Started before the file's tests, closed after them (ui29: review26a's, ui27's and ui28's files
 * each set it up again).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { STORED_STATE_WAIT_MS } from '../../src/observability/scrape-hooks.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { backends, makeDeps, type TestEnv } from './env.js';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * How long a page's waits and actions may take (playwright's default is 30 s). A sign-in's first page is the overview,
 * whose answer waits up to STORED_STATE_WAIT_MS (20 s) by design for the stored-state gauges on a busy database (a
 * queue's start-up included), then runs its queries and is drawn by Chromium, on a machine at load 20-30 beside the
 * other files: bounded by the machine's speed, not by anything the page waits for, so 30 s was too close.
 */
export const PAGE_WAIT_MS = STORED_STATE_WAIT_MS + 40_000;
/** Whether the browser is installed (the files run their tests only then: describe.runIf). */
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** The cells' texts of each row of a batch page's findings table (`batch-findings`), as a batch's tests read it. */
export const findingsRows = (page: Page): Promise<string[][]> =>
  page
    .getByTestId('batch-findings')
    .locator('tbody tr')
    .evaluateAll((trs: Array<{ cells: ArrayLike<{ innerText: string }> }>) =>
      trs.map((tr) => Array.from(tr.cells, (c) => c.innerText)),
    );

export interface DashboardBrowser {
  env: TestEnv;
  app: FastifyInstance;
  /** The API's address, http://127.0.0.1:<port>. */
  base: string;
  browser: Browser;
  page: Page;
  admin: NewClient & { clientSecret: string };
  /** Signs in as `client` on a fresh page (whatever the hash was, or the page a session that ended was on). */
  signIn(client: { clientId: string; clientSecret: string }): Promise<void>;
  /** Signed in as the city admin, on the overview. */
  asAdmin(): Promise<void>;
  /**
   * Goes to the dashboard's `hash` (`#/guard/12`) and waits until the page drew itself anew there: a waiter for an
   * element the page before it had too (two holds' `guard-reason`) could find the old one, still shown until the
   * hash's change is handled (asynchronously, after `goto` has returned). The same hash again draws nothing anew, as
   * `goto`.
   */
  open(hash: string): Promise<void>;
  /** A bearer token of the city admin, asked of POST /oauth/token over HTTP as a script would. */
  adminToken(): Promise<string>;
  /** A screenshot of the whole page, test-results/<shots>/<name>.png. */
  shot(name: string): Promise<void>;
  /** The text of the element with this test id ('' when none). */
  text(testid: string): Promise<string>;
}

export interface DashboardOptions {
  /** The folder under test-results for `shot`. */
  shots?: string;
  /** Told each confirmation's message before it is accepted. */
  onDialog?: (message: string) => void;
  /** The configuration the API runs with, from the test profile's. */
  configure?: (config: Config) => Config;
  /** The browser's time zone (IANA); the machine's when not given. */
  timezoneId?: string;
  /** The browser's language ('en-US'), its forms' date format among what it sets; the machine's when not given. */
  locale?: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let launched: Promise<Browser> | undefined;

/**
 * The worker's Chromium, launched by the first file that needs it and kept for the next ones (the e2e files share
 * their worker's process: vitest.config.ts): a launch is ~2 CPU-s, a fresh context on it ~0.3. Each file's page is a
 * context of its own, closed after the file; the browser ends with the worker (playwright kills what it launched
 * when its process exits, and Chromium exits when its pipe closes). Launched again when it is no longer connected.
 */
export async function workerBrowser(): Promise<Browser> {
  const current = await launched?.catch(() => undefined);
  if (current?.isConnected()) return current;
  launched = chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  return launched;
}

/** {@link DashboardBrowser.open}: marks what the page drew (none when the hash is the same), goes, waits for a new drawing. */
async function openHash(page: Page, base: string, hash: string): Promise<void> {
  // A string: this project's types have no DOM.
  const drawnBefore = await page.evaluate<boolean>(
    `location.hash !== ${JSON.stringify(hash)} && (document.querySelectorAll('#app > *')` +
      `.forEach((el) => el.setAttribute('data-drawn-before', '')), true)`,
  );
  await page.goto(`${base}/dashboard${hash}`);
  if (drawnBefore)
    await page.locator('#app > :not([data-drawn-before])').first().waitFor({ state: 'attached' });
}

/** Call at the top of a `describe`: the object is filled by its `beforeAll`, closed by its `afterAll`. */
export function useDashboard(opts: DashboardOptions = {}): DashboardBrowser {
  const shots = join(ROOT, 'test-results', opts.shots ?? 'dashboard');
  const d = {
    async signIn(client: { clientId: string; clientSecret: string }) {
      const page = d.page;
      await page.goto(`${d.base}/dashboard#/signin`);
      // a fresh sign-in: no page kept from a session that ended (fix34b, review33c N5: it would be returned to)
      await page.evaluate("sessionStorage.removeItem('truc.return')");
      await page.reload();
      await page.getByTestId('client-id').fill(client.clientId);
      await page.getByTestId('client-secret').fill(client.clientSecret);
      await page.getByTestId('signin-submit').click();
    },
    async asAdmin() {
      await d.signIn(d.admin);
      await d.page.getByTestId('page-overview').getByTestId('queues').waitFor();
    },
    open: (hash: string) => openHash(d.page, d.base, hash),
    async adminToken() {
      const res = await fetch(`${d.base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: d.admin.clientId,
          client_secret: d.admin.clientSecret,
        }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async shot(name: string) {
      await d.page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    },
    text: async (testid: string) => (await d.page.getByTestId(testid).textContent()) ?? '',
  } as DashboardBrowser;

  beforeAll(async () => {
    if (opts.shots) mkdirSync(shots, { recursive: true });
    const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;
    d.env = await makeDeps(backend, opts.configure ? { configure: opts.configure } : {});
    d.app = await buildApp(d.env.deps);
    d.base = (await d.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    d.admin = await addClient(d.env.deps.db, { name: 'Sở GDĐT — IT', role: 'city-admin' });
    d.browser = await workerBrowser();
    d.page = await d.browser.newPage({
      viewport: { width: 1366, height: 800 },
      ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
      ...(opts.locale ? { locale: opts.locale } : {}),
    });
    d.page.setDefaultTimeout(PAGE_WAIT_MS);
    d.page.on('dialog', (dialog) => {
      opts.onDialog?.(dialog.message());
      void dialog.accept();
    });
  });

  afterAll(async () => {
    await d.page?.context().close();
    await d.app?.close();
    await d.env?.cleanup();
  });

  return d;
}
