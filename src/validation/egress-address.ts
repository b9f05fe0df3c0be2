import ipaddr from 'ipaddr.js';

// Which IP addresses a webhook may connect to (CONTRACT §9 "Target URLs"). A webhook URL is chosen by
// a tenant, so without this rule any tenant could make our worker POST to our own database port, a
// neighbouring service or the cloud metadata endpoint (SSRF). The rule is an allowlist — public
// unicast only — so a range nobody thought of is refused rather than let through.
//
// Range membership comes from ipaddr.js (the table fastify's proxy-addr already uses) instead of our
// own CIDR list.

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local', // includes 169.254.169.254, the cloud metadata endpoint
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'private', // fc00::/7, e.g. fd00:ec2::254 (AWS metadata over IPv6)
  deprecatedSiteLocal: 'private',
  reserved: 'reserved',
  benchmarking: 'reserved',
  discard: 'reserved',
};

/** IPv6 global unicast (2000::/3): the only IPv6 space that is routed on the public Internet. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** NAT64 well-known prefix: the last 32 bits are an IPv4 address the gateway connects to. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * The kind of refused address `address` is ("loopback", "private", "link-local", …), or null when a
 * webhook may connect to it (public unicast). `address` is an IP literal as DNS or a URL gives it
 * (no brackets); anything that does not parse as one is refused as "invalid".
 */
export function refusedAddressKind(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const range = classify(ipaddr.parse(address));
  return range === null ? null : (RANGE_NAMES[range] ?? range);
}

/** The refused range an address falls in, or null for public unicast. */
function classify(ip: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return range === 'unicast' ? null : range;
  }
  const v6 = ip as ipaddr.IPv6;
  // Forms that carry an IPv4 address (::ffff:127.0.0.1, 64:ff9b::7f00:1) reach that IPv4 address,
  // so they are judged by it.
  if (v6.isIPv4MappedAddress() || v6.match(NAT64_WELL_KNOWN)) return classify(ipaddr.IPv4.parse(ipv4Tail(v6)));
  const range = v6.range();
  if (range !== 'unicast') return range;
  // ipaddr.js calls everything it has no name for "unicast", including ::/96 (the deprecated
  // IPv4-compatible form, e.g. ::7f00:1) and unassigned space: outside 2000::/3 nothing is public.
  return v6.match(GLOBAL_UNICAST_V6) ? null : 'reserved';
}

function ipv4Tail(v6: ipaddr.IPv6): string {
  const bytes = v6.toByteArray().slice(12);
  return bytes.join('.');
}
