/** robots.txt rules (RFC 9309) as the website probe reads them: groups, longest match, Allow on a tie, wildcards. */
import { describe, expect, it } from 'vitest';
import { ALLOW_ALL, parseRobots, productToken } from '../../../src/adapters/website/robots.js';

describe('productToken', () => {
  it('is the name before the version, lower case', () => {
    expect(productToken('truc-website-probe/1 (So GD&DT; data-quality check)')).toBe('truc-website-probe');
    expect(productToken('Somebot')).toBe('somebot');
  });
});

describe('parseRobots', () => {
  it('uses the group naming the crawler (merged, case-insensitive), else `*`, else allows everything', () => {
    const text =
      'User-agent: *\nDisallow: /\n\nUser-agent: Probe\nDisallow: /a\n\nuser-agent: probe\nDisallow: /b\n';
    const probe = parseRobots(text, 'probe');
    expect(probe.allows('/')).toBe(true);
    expect(probe.allows('/a/x')).toBe(false);
    expect(probe.allows('/b')).toBe(false);
    expect(parseRobots(text, 'other').allows('/')).toBe(false);
    expect(parseRobots('User-agent: x\nDisallow: /', 'probe').allows('/')).toBe(true);
    expect(parseRobots('', 'probe')).toBe(ALLOW_ALL);
  });

  it('several user-agent lines share one group; an empty Disallow allows all; comments are ignored', () => {
    const text =
      'User-agent: a\nUser-agent: probe # us\nDisallow: /private # keep out\n\nUser-agent: b\nDisallow:\n';
    expect(parseRobots(text, 'probe').allows('/private/x')).toBe(false);
    expect(parseRobots(text, 'a').allows('/private')).toBe(false);
    expect(parseRobots(text, 'b').allows('/private')).toBe(true);
  });

  it('the longest match wins, Allow on a tie; * and $ as in RFC 9309', () => {
    const p = parseRobots(
      'User-agent: *\nDisallow: /tin\nAllow: /tin/rss\nDisallow: /*.php$\nAllow: /x\nDisallow: /x\n',
      'probe',
    );
    expect(p.allows('/tin/a')).toBe(false);
    expect(p.allows('/tin/rss')).toBe(true);
    expect(p.allows('/index.php')).toBe(false);
    expect(p.allows('/index.php?a=1')).toBe(true);
    expect(p.allows('/x')).toBe(true);
    expect(p.allows('/feed')).toBe(true);
  });

  it('compares percent-encoded paths alike', () => {
    const p = parseRobots('User-agent: *\nDisallow: /tin tức\n', 'probe');
    expect(p.allows('/tin%20t%E1%BB%A9c/1')).toBe(false);
  });

  it("reads the crawler's group's Crawl-delay (seconds, the first valid one), else the `*` group's", () => {
    const text =
      'User-agent: *\nCrawl-delay: 10\n\nUser-agent: probe\nCrawl-delay: soon\nCrawl-delay: 1.5\nCrawl-delay: 3\nDisallow: /a\n';
    expect(parseRobots(text, 'probe').crawlDelayMs).toBe(1500);
    expect(parseRobots(text, 'other').crawlDelayMs).toBe(10_000);
    expect(parseRobots('User-agent: *\nCrawl-delay: -2\n', 'probe').crawlDelayMs).toBeUndefined();
    expect(parseRobots('User-agent: *\nDisallow: /x\n', 'probe').crawlDelayMs).toBeUndefined();
    // A group holding only a Crawl-delay allows everything, slowly.
    const slow = parseRobots('User-agent: *\nCrawl-delay: 2\n', 'probe');
    expect(slow.allows('/')).toBe(true);
    expect(slow.crawlDelayMs).toBe(2000);
  });
});
