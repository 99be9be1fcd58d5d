/**
 * The one way truc makes a folder on disk (DATA_DIR, its keys and secrets, `truc pcgd export --out`): one level at a
 * time, never Node's `mkdirSync(…, { recursive: true })`, which on Node 20 loops for ever where a folder cannot be
 * made under one that exists (fix11 F5: `truc pcgd export --out /proc/x` hung). A folder that cannot be made, or is
 * not a writable folder, is refused at once in both languages, naming the setting it came from.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError, both } from '../errors.js';

/** Where a folder's path came from: an option or a setting (`--out`, `DATA_DIR`), and the code of a refusal. */
export interface FolderOf {
  named: string;
  code: 'ERR_VALIDATION' | 'ERR_CONFIG_INVALID';
}

/** The node error code of `err`, or its message. */
const why = (err: unknown): string => (err as { code?: string }).code ?? String(err);

/** Makes folder `path` and the missing folders above it (`mode` for each one made); refuses what cannot be written. */
export function makeFolder(path: string, of: FolderOf, mode?: number): void {
  const at = resolve(path);
  const missing: string[] = [];
  let p = at;
  while (!exists(p) && dirname(p) !== p) {
    missing.unshift(p);
    p = dirname(p);
  }
  try {
    for (const m of missing) mkdirSync(m, mode === undefined ? {} : { mode });
    if (!statSync(at).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(at, constants.W_OK);
  } catch (err) {
    throw folderRefused(at, of, err);
  }
}

/** The refusal of folder `at` ({@link makeFolder}), or of a file written into it: the node error's code said. */
export function folderRefused(at: string, of: FolderOf, err: unknown): AppError {
  return new AppError(
    of.code,
    both(
      `${of.named}: không tạo hoặc ghi được vào thư mục ${at} (${why(err)}): chọn một thư mục ghi được`,
      `${of.named}: cannot make or write to the folder ${at} (${why(err)}): choose a writable folder`,
    ),
    { cause: err },
  );
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
