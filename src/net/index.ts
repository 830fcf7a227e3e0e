/**
 * gRPC adapters between processes: shared plumbing (proto loading, options, servers), the Raft
 * transport (one long-lived stream per peer, bounded queues, capped-backoff reconnects), and the
 * fault-injecting wrapper behind the cluster's isolate/delay verbs. Nothing here blocks a caller:
 * sends queue and drop when a peer cannot keep up, as best-effort protocols expect.
 */
export * from './grpc.js';
export { BoundedQueue } from './bounded-queue.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { messageFromWire, messageToWire } from './raft-codec.js';
export { DEFAULT_PEER_LINK_OPTIONS, type PeerLinkOptions, type PeerLinkStats } from './peer-link.js';
export { GrpcRaftTransport, type GrpcRaftTransportOptions, type RaftTransportStats } from './raft-transport.js';
export { NetworkFaults, faultyTransport, NO_FAULTS, type FaultSpec, type PeerFault, type FaultStats } from './faults.js';
export { addRaftClientService, type RaftClientBackend, type RaftNodeStatus } from './raft-client-service.js';
export { RaftClientConnection } from './raft-client.js';
