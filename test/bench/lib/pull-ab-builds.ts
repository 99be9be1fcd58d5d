/**
 * ./pull-ab.ts's builds: `build <dir> [<commit>]` compiles src (of this worktree, or of a commit) into a folder
 * (see ./pull-ab.ts's file comment), and `run` loads each build's modules and migrates a template database
 * with that build's own migrations.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { adminQuery, PG_ADMIN_URL } from './truc-env.js';
import type * as ConfigModule from '../../../src/config.js';
import type * as DepsModule from '../../../src/deps.js';
import type * as RolesModule from '../../../src/roles.js';
import type * as ContractsModule from '../../../src/jobs/contracts.js';
import type * as DbModule from '../../../src/store/db.js';
import type * as MigrateModule from '../../../src/store/migrate.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The modules of one build the harness drives (typed as this worktree's src declares them). */
export interface Build {
  label: string;
  template: string;
  config: typeof ConfigModule;
  deps: typeof DepsModule;
  roles: typeof RolesModule;
  contracts: typeof ContractsModule;
  db: typeof DbModule;
  migrate: typeof MigrateModule;
}

export const suffix = (): string => randomBytes(5).toString('hex');
export const urlOf = (name: string): string => {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/** `build <dir> [<commit>]` (see the file comment). */
export function build(out: string, commit?: string): void {
  let srcRoot = ROOT;
  if (commit) {
    srcRoot = mkdtempSync(join(tmpdir(), 'truc-ab-src-'));
    const tar = execFileSync(
      'git',
      ['-C', ROOT, 'archive', commit, 'src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'],
      {
        maxBuffer: 1 << 30,
      },
    );
    execFileSync('tar', ['-x', '-C', srcRoot], { input: tar });
    symlinkSync(join(ROOT, 'node_modules'), join(srcRoot, 'node_modules'));
  }
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(srcRoot, 'tsconfig.build.json'), '--outDir', out], {
    stdio: 'inherit',
  });
  cpSync(join(srcRoot, 'src/store/migrations'), join(out, 'store/migrations'), { recursive: true });
  cpSync(join(srcRoot, 'src/canonical/data'), join(out, 'canonical/data'), { recursive: true });
  if (!existsSync(join(out, 'node_modules')))
    symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  // Its .js files are ES modules wherever the build lives.
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  const from = commit ?? `${ROOT} (working tree)`;
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', commit ?? 'HEAD'], {
    encoding: 'utf8',
  });
  writeFileSync(join(out, 'BUILT-FROM'), `${from} ${head.trim()} ${new Date().toISOString()}\n`);
  if (commit) rmSync(srcRoot, { recursive: true, force: true });
  console.log(`built ${from} into ${out}`);
}

/** Loads a build's modules and migrates a template database with its own migrations. */
export async function loadBuild(dir: string, label: string): Promise<Build> {
  const mod = (p: string) => import(pathToFileURL(join(resolve(dir), p)).href);
  const b: Build = {
    label,
    template: `truc_bench_abtpl_${suffix()}`,
    config: await mod('config.js'),
    deps: await mod('deps.js'),
    roles: await mod('roles.js'),
    contracts: await mod('jobs/contracts.js'),
    db: await mod('store/db.js'),
    migrate: await mod('store/migrate.js'),
  };
  await adminQuery(`CREATE DATABASE ${b.template}`);
  const db = b.db.createPgDb(urlOf(b.template), 'postgres', { max: 2 });
  try {
    await b.migrate.migrate(db);
  } finally {
    await db.close();
  }
  return b;
}
