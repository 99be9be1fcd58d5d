/**
 * The one comparison of a request's entity tags with a resource's (RFC 9110 §13.1.1, §13.1.2): If-Match of an API
 * client's admin changes (./client-etag.ts) and If-None-Match of the record reads (./routes/records.ts).
 */

/** The tags of an If-Match or If-None-Match header (`*` kept), each in its strong form (`W/` dropped). */
function tagsOf(header: string): string[] {
  return (header.match(/\*|(?:W\/)?"[^"]*"/g) ?? []).map((t) => t.replace(/^W\//, ''));
}

/**
 * Whether `header` (a list of tags, or `*`) names `etag`, compared weakly (RFC 9110 §8.8.3.2: `W/` ignored on both
 * sides); `*` matches any. No header matches nothing.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = tagsOf(header);
  return tags.includes('*') || tags.includes(etag.replace(/^W\//, ''));
}
