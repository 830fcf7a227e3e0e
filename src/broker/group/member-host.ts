/** How Kafka reports a group member's host (DescribeGroups `client_host`): "/address", without the port. */
export function memberHost(peer: string): string {
  const colon = peer.lastIndexOf(':');
  const host = colon > 0 ? peer.slice(0, colon) : peer;
  return `/${host.replace(/^\[|\]$/g, '')}`;
}
