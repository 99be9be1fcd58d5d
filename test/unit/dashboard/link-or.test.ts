/**
 * dash13 item 1: one rule for "a link when there is something to open, plain text otherwise" (api.ts `linkOr`, beside
 * `openable`), which the overview, a batch's page, a school's, the sync runs, a run's page, the dead letters and the
 * schedules card follow: a link for a session whose scopes open its page, the content as it is otherwise (or, asked,
 * a span keeping its attributes), no link when there is nothing to open.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A node of the fake DOM below: its tag, attributes and children. */
interface FakeNode {
  tag: string;
  attrs: Record<string, string>;
  children: unknown[];
}

interface ApiModule {
  linkOr: (
    href: string | null | undefined,
    content: unknown,
    attrs?: Record<string, string>,
    otherwise?: 'text' | 'span',
  ) => unknown;
}

/** api.ts reads the DOM (root tsconfig: no DOM lib): imported by a path tsc does not follow, as schedules.test.ts. */
const MODULE = '../../../dashboard/src/api.js';
const { linkOr } = (await import(MODULE)) as ApiModule;

/** A session holding `scopes` (sessionStorage) and a document making fake nodes. */
function signedIn(scopes: string[]): void {
  const session = JSON.stringify({
    token: 't',
    clientId: 'c',
    role: 'admin',
    scopes,
    expiresAt: Date.now() + 60_000,
  });
  vi.stubGlobal('sessionStorage', { getItem: () => session, setItem: () => {}, removeItem: () => {} });
  vi.stubGlobal('document', {
    createElement: (tag: string): FakeNode & { setAttribute: unknown; append: unknown } => {
      const node: FakeNode = { tag, attrs: {}, children: [] };
      return Object.assign(node, {
        setAttribute: (k: string, v: string) => (node.attrs[k] = v),
        append: (...c: unknown[]) => node.children.push(...c),
      });
    },
  });
}

const shape = (x: unknown): unknown =>
  typeof x === 'object' && x !== null && 'tag' in x
    ? { tag: (x as FakeNode).tag, attrs: (x as FakeNode).attrs, children: (x as FakeNode).children }
    : x;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('dashboard: a link when there is something to open, plain text otherwise (linkOr)', () => {
  it('a link, with its attributes, for a session whose scopes open the page', () => {
    signedIn(['admin']);
    expect(shape(linkOr('#/sync/7', '7', { 'data-testid': 'run-link' }))).toEqual({
      tag: 'a',
      attrs: { href: '#/sync/7', 'data-testid': 'run-link' },
      children: ['7'],
    });
  });

  it('the text as it is for a session whose scopes do not open it, or when there is nothing to open', () => {
    signedIn(['admin']);
    expect(linkOr('#/guard', 'held', { 'data-testid': 'x' })).toBe('held');
    expect(linkOr('#/batches/b1', 'b1')).toBe('b1');
    expect(linkOr(null, '0', { 'data-testid': 'run-page-letters' })).toBe('0');
    signedIn(['admin', 'guard', 'batches:read']);
    expect(shape(linkOr('#/batches/b1', 'b1'))).toEqual({
      tag: 'a',
      attrs: { href: '#/batches/b1' },
      children: ['b1'],
    });
  });

  it("asked for a span, the attributes kept without href (a badge's look, a testid), several children in it", () => {
    signedIn(['admin']);
    expect(shape(linkOr('#/guard/3', ['ok', ' #3'], { class: 'badge warn' }, 'span'))).toEqual({
      tag: 'span',
      attrs: { class: 'badge warn' },
      children: ['ok', ' #3'],
    });
    signedIn(['admin', 'guard']);
    expect(shape(linkOr('#/guard/3', ['ok', ' #3'], { class: 'badge warn' }, 'span'))).toEqual({
      tag: 'a',
      attrs: { href: '#/guard/3', class: 'badge warn' },
      children: ['ok', ' #3'],
    });
  });
});
