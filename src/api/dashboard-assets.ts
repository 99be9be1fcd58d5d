/**
 * The operations dashboard's files (issue 11): `dashboard/` bundled by esbuild into one script, one
 * stylesheet and the page. A built install (`npm run build`, the Docker image) serves the bundle in
 * dist/dashboard; a checkout run from source (tsx: `npm start`, `npm run demo`, tests) bundles it on
 * first request, in memory. Nothing is fetched from a CDN: the page works in a closed network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config.js';

export interface DashboardAssets {
  'index.html': string;
  'app.js': string;
  'app.css': string;
  /** The tab's icon (the page links it, so the browser asks no /favicon.ico: words5). */
  'favicon.svg': string;
}

const DASHBOARD_SOURCE = join(PROJECT_ROOT, 'dashboard');
const DASHBOARD_BUILT = join(PROJECT_ROOT, 'dist', 'dashboard');

/** Bundles dashboard/src/main.ts (esbuild, a dev dependency) with the page and stylesheet beside it. */
export async function bundleDashboard(opts: { minify?: boolean } = {}): Promise<DashboardAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(DASHBOARD_SOURCE, 'src', 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: ['es2022'],
    platform: 'browser',
    minify: opts.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return {
    'index.html': readFileSync(join(DASHBOARD_SOURCE, 'index.html'), 'utf8'),
    'app.js': result.outputFiles[0]!.text,
    'app.css': readFileSync(join(DASHBOARD_SOURCE, 'app.css'), 'utf8'),
    'favicon.svg': readFileSync(join(DASHBOARD_SOURCE, 'favicon.svg'), 'utf8'),
  };
}

/** The built bundle when running from dist, else a fresh in-memory bundle of the source. */
export async function loadDashboardAssets(): Promise<DashboardAssets> {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource && existsSync(join(DASHBOARD_BUILT, 'app.js'))) {
    const read = (f: keyof DashboardAssets): string => readFileSync(join(DASHBOARD_BUILT, f), 'utf8');
    return {
      'index.html': read('index.html'),
      'app.js': read('app.js'),
      'app.css': read('app.css'),
      'favicon.svg': read('favicon.svg'),
    };
  }
  return bundleDashboard();
}
