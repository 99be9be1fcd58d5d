/** Times on the wire: ISO 8601 strings. */

/** `d` as an ISO 8601 string; null when there is no time. */
export const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
