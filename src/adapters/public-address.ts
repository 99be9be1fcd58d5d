/**
 * Calls to addresses a city admin or a vendor chose (webhook receivers, school websites) must never reach
 * the city's own network. The name is resolved once, at connection time, by {@link publicOnlyLookup}, and
 * a private, loopback or link-local answer refuses the connection: the address checked is the address
 * connected to. (A check of its own before the call would resolve the name a second time: a name whose
 * answer changes between the two, DNS rebinding, would pass the check and connect inward; review15 BUG 9.)
 */
import dns, { type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** True for a public unicast address (IPv4-mapped IPv6 judged as its IPv4). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * True when a URL's host (`URL.hostname`, IPv6 in brackets) names an inward address before any DNS: an IP literal
 * that is not public, or `localhost` and its subdomains; a fully qualified name's final dots name the same host
 * (`localhost.`, sec8 S8-1). A name is judged by its DNS answers at connection time ({@link publicOnlyLookup}).
 */
export function isInwardHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return ipaddr.isValid(host) && !isPublicAddress(host);
}

/** The error a connection refused by {@link publicOnlyLookup} fails with (its `code`). */
export const PRIVATE_ADDRESS = 'ERR_PRIVATE_ADDRESS';

/**
 * A `lookup` for an HTTP request (axios's `lookup` option): resolves `hostname` with the system resolver,
 * as a connection does, and refuses (error code {@link PRIVATE_ADDRESS}) when any answer is not a public
 * address; else the connection goes to these answers.
 */
export async function publicOnlyLookup(hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
  const answers = await new Promise<LookupAddress[]>((resolve, reject) =>
    dns.lookup(hostname, { all: true }, (err, all) => (err ? reject(err) : resolve(all))),
  );
  if (answers.length === 0 || answers.some((a) => !isPublicAddress(a.address))) {
    const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private address`);
    refused.code = PRIVATE_ADDRESS;
    throw refused;
  }
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}
