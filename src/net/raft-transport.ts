/**
 * Raft over gRPC: `send` hands each message to the link of its destination peer (one long-lived
 * stream per peer, see peer-link.ts); the `brokerlab.raft.Raft` service, added to a server the
 * node owns, decodes incoming batches and delivers each message to the handler. Delivery is
 * best-effort, as Raft expects: unknown peers, undecodable or misaddressed messages are dropped
 * and counted, never thrown back at the core.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/logger.js';
import type { Message, NodeId, RaftTransport } from '../raft/types.js';
import { serviceConstructor } from './grpc.js';
import { DEFAULT_PEER_LINK_OPTIONS, PeerLink, type PeerLinkOptions, type PeerLinkStats } from './peer-link.js';
import { messageFromWire, type WireRaftBatch } from './raft-codec.js';

export interface GrpcRaftTransportOptions {
  /** This node's id: incoming messages addressed to anyone else are dropped. */
  id: NodeId;
  /** Peer id -> "host:port" of its gRPC server. */
  peers: ReadonlyMap<NodeId, string>;
  logger: Logger;
  link?: Partial<PeerLinkOptions>;
}

export interface RaftTransportStats {
  readonly peers: Readonly<Record<NodeId, PeerLinkStats>>;
  readonly received: number;
  /** Incoming messages dropped: undecodable, misaddressed, or before a handler was set. */
  readonly droppedIncoming: number;
  /** Outgoing messages to peers this transport does not know. */
  readonly droppedUnknownPeer: number;
}

export class GrpcRaftTransport implements RaftTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly incomingCalls = new Set<grpc.ServerDuplexStream<WireRaftBatch, WireRaftBatch>>();
  private readonly linkOptions: PeerLinkOptions;
  private handler: ((message: Message) => void) | undefined;
  private lostHandler: ((peer: NodeId) => void) | undefined;
  private closed = false;
  private received = 0;
  private droppedIncoming = 0;
  private droppedUnknownPeer = 0;

  constructor(private readonly options: GrpcRaftTransportOptions) {
    this.linkOptions = { ...DEFAULT_PEER_LINK_OPTIONS, ...options.link };
    for (const [peer, address] of options.peers) this.setPeer(peer, address);
  }

  /** Serves incoming Raft streams on `server` (which the caller binds, starts and stops). */
  addTo(server: grpc.Server): void {
    const service = serviceConstructor('raft.proto', 'brokerlab.raft.Raft').service;
    server.addService(service, { Exchange: (call: grpc.ServerDuplexStream<WireRaftBatch, WireRaftBatch>) => this.serve(call) });
  }

  send(message: Message): void {
    if (this.closed) return;
    const link = this.links.get(message.to);
    if (link) link.send(message);
    else this.droppedUnknownPeer++;
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  onPeerLost(handler: (peer: NodeId) => void): void {
    this.lostHandler = handler;
  }

  /** Adds a peer or moves it to a new address (its queued messages are dropped). */
  setPeer(peer: NodeId, address: string): void {
    if (peer === this.options.id) return;
    const existing = this.links.get(peer);
    if (existing?.address === address) return;
    existing?.close();
    this.links.set(peer, new PeerLink(peer, address, this.linkOptions, this.options.logger.child({ peer }), () => this.lostHandler?.(peer)));
  }

  removePeer(peer: NodeId): void {
    this.links.get(peer)?.close();
    this.links.delete(peer);
  }

  stats(): RaftTransportStats {
    const peers: Record<NodeId, PeerLinkStats> = {};
    for (const [peer, link] of this.links) peers[peer] = link.stats();
    return { peers, received: this.received, droppedIncoming: this.droppedIncoming, droppedUnknownPeer: this.droppedUnknownPeer };
  }

  /** Closes outgoing links and ends incoming streams; sends after this are ignored. */
  close(): void {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
    for (const call of this.incomingCalls) call.end();
    this.incomingCalls.clear();
  }

  private serve(call: grpc.ServerDuplexStream<WireRaftBatch, WireRaftBatch>): void {
    if (this.closed) {
      call.end();
      return;
    }
    this.incomingCalls.add(call);
    call.on('data', (batch: WireRaftBatch) => {
      for (const wire of batch.messages ?? []) this.deliver(wire);
    });
    const forget = (): void => {
      this.incomingCalls.delete(call);
    };
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('error', forget);
    call.on('cancelled', forget);
  }

  private deliver(wire: WireRaftBatch['messages'][number]): void {
    let message: Message;
    try {
      message = messageFromWire(wire);
    } catch (error) {
      this.droppedIncoming++;
      this.options.logger.warn({ err: error, from: wire.from }, 'undecodable raft message dropped');
      return;
    }
    if (message.to !== this.options.id || !this.handler || this.closed) {
      this.droppedIncoming++;
      return;
    }
    this.received++;
    this.handler(message);
  }
}
