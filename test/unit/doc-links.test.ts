/**
 * docs10: every relative link of README.md and docs/*.md resolves — the file exists, and an anchor (`#…`) names a
 * heading of that file (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens, a repeat gets `-1`, `-2`).
 * Links to the web (`http…`, `mailto:`) are not checked; fenced code blocks are skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/** The text outside fenced code blocks, one entry a line. */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** GitHub's anchor of a heading's text. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The broken relative links of one Markdown file (path relative to ROOT), each as `file: target`. */
export function brokenLinks(file: string, text: string, read: (path: string) => string | null): string[] {
  const broken: string[] = [];
  for (const line of proseLines(text)) {
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const resolved = path === '' ? file : join(dirname(file), decodeURI(path));
      const content = read(resolved);
      if (content === null) {
        broken.push(`${file}: ${target}`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
        if (!anchorsOf(content).has(decodeURIComponent(anchor).toLowerCase()))
          broken.push(`${file}: ${target}`);
      }
    }
  }
  return broken;
}

function readFromRoot(path: string): string | null {
  const full = join(ROOT, path);
  if (!existsSync(full)) return null;
  try {
    return readFileSync(full, 'utf8');
  } catch {
    return ''; // a folder: exists, no anchors
  }
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => relative(ROOT, join(ROOT, 'docs', f)));
  return ['README.md', ...docs];
}

describe('README and docs links', () => {
  it('every relative link and anchor of README.md and docs/ resolves', () => {
    const broken = markdownFiles().flatMap((f) => brokenLinks(f, readFromRoot(f) ?? '', readFromRoot));
    expect(broken).toEqual([]);
  });

  it('README links every document of docs/ (docs11: none is found only by listing the folder)', () => {
    const readme = readFromRoot('README.md') ?? '';
    const unlinked = markdownFiles()
      .filter((f) => f !== 'README.md')
      .filter((f) => !readme.includes(`](${f})`) && !readme.includes(`](${f}#`));
    expect(unlinked).toEqual([]);
  });

  it('catches a missing file and a missing anchor', () => {
    const text = '# Top\n## Two words\n[a](#two-words) [b](#nope) [c](nowhere.md) [d](https://x.y/z#q)\n';
    expect(brokenLinks('README.md', text, (p) => (p === 'README.md' ? text : null))).toEqual([
      'README.md: #nope',
      'README.md: nowhere.md',
    ]);
  });

  it('makes GitHub slugs of Vietnamese and punctuated headings', () => {
    expect(slug('Clocks (NTP)')).toBe('clocks-ntp');
    expect(slug("The officer's API")).toBe('the-officers-api');
    expect(slug('Dashboard, Prometheus and Grafana (issue 11)')).toBe(
      'dashboard-prometheus-and-grafana-issue-11',
    );
  });
});
