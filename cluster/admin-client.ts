/**
 * A NodeAdmin client for one node: status, fault injection and shutdown, each call bounded by a
 * deadline so a paused or dead node makes the caller wait at most that long.
 */
import * as grpc from '@grpc/grpc-js';
import { serviceConstructor } from '../src/net/proto-loader.js';
import type { WireFaultSpec, NodeStatusMessage } from './admin-types.js';

export const DEFAULT_ADMIN_DEADLINE_MS = 1000;

type UnaryMethod = (
  request: object,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

interface NodeAdminStub extends grpc.Client {
  Status: UnaryMethod;
  SetFaults: UnaryMethod;
  Shutdown: UnaryMethod;
}

type NodeAdminConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: object) => NodeAdminStub;

/** NodeAdmin from proto/admin.proto, loaded once by the loader the nodes and the client use (int64 as numbers). */
function nodeAdminConstructor(): NodeAdminConstructor {
  return serviceConstructor('admin.proto', 'brokerlab.admin.NodeAdmin') as unknown as NodeAdminConstructor;
}

/** Raised when a node does not answer within the deadline or refuses the connection. */
export class NodeUnreachableError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`node at ${address} did not answer: ${reason}`);
    this.name = 'NodeUnreachableError';
  }
}

export class AdminClient {
  private readonly stub: NodeAdminStub;

  constructor(
    readonly address: string,
    private readonly deadlineMs = DEFAULT_ADMIN_DEADLINE_MS,
  ) {
    const NodeAdmin = nodeAdminConstructor();
    // Fail fast instead of queueing calls while a dead node's channel retries its connection.
    this.stub = new NodeAdmin(address, grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
      // A channel of its own, so close() really closes its sockets. With the shared pool they
      // linger, and a killed node's half-closed connections keep its port from being bound again.
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  status(deadlineMs = this.deadlineMs): Promise<NodeStatusMessage> {
    return this.call<NodeStatusMessage>('Status', {}, deadlineMs);
  }

  setFaults(spec: WireFaultSpec, deadlineMs = this.deadlineMs): Promise<WireFaultSpec> {
    return this.call<WireFaultSpec>('SetFaults', spec, deadlineMs);
  }

  shutdown(deadlineMs = this.deadlineMs): Promise<{ accepted: boolean }> {
    return this.call<{ accepted: boolean }>('Shutdown', {}, deadlineMs);
  }

  close(): void {
    this.stub.close();
  }

  private call<T>(method: 'Status' | 'SetFaults' | 'Shutdown', request: object, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = new Date(Date.now() + deadlineMs);
      this.stub[method].call(this.stub, request, { deadline }, (error, response) => {
        if (error) reject(new NodeUnreachableError(this.address, describeGrpcError(error, deadlineMs)));
        else resolve(response as T);
      });
    });
  }
}

function describeGrpcError(error: grpc.ServiceError, deadlineMs: number): string {
  if (error.code === grpc.status.DEADLINE_EXCEEDED) return `no answer within ${deadlineMs} ms`;
  if (error.code === grpc.status.UNAVAILABLE) return 'connection refused or lost';
  return error.details || error.message;
}

/** One client per address, reused across polls; `closeAll` releases the channels. */
export class AdminClientPool {
  private readonly clients = new Map<string, AdminClient>();

  constructor(private readonly deadlineMs = DEFAULT_ADMIN_DEADLINE_MS) {}

  get(address: string): AdminClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new AdminClient(address, this.deadlineMs);
      this.clients.set(address, client);
    }
    return client;
  }

  /**
   * Drops the channel to a node that did not answer. A fresh channel connects at once on the next
   * call, where the old one would wait out its reconnect backoff: during startup that wait, not the
   * node, would decide how soon the cluster counts as ready.
   */
  forget(address: string): void {
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
