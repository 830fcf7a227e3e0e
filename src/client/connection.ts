/**
 * One gRPC channel to one broker address, carrying both services a broker serves (BrokerClient
 * and GroupCoordinator). Every unary call carries a deadline; gRPC failures come
 * back as BrokerErrors so callers handle one kind of error: an unreachable broker is a retriable
 * NETWORK_EXCEPTION (and a reason to refresh metadata), a missed deadline a retriable
 * REQUEST_TIMED_OUT.
 */
import * as grpc from '@grpc/grpc-js';
import { BrokerError, errors, type KafkaErrorName, KAFKA_ERRORS } from '../common/errors.js';
import { groupCoordinatorConstructor, type GroupMethodName, type GroupMethods } from './group-wire.js';
import { brokerClientConstructor, type ProduceRequest, type ProduceResponse, type UnaryMethodName, type UnaryMethods } from './wire.js';

export interface ConnectionOptions {
  clientId: string;
  /** Largest response accepted (fetches of many partitions can be large). */
  maxReceiveMessageBytes: number;
}

/**
 * grpc-js waits 1 s after a failed connect and backs off up to 120 s; a broker that restarts in a
 * local cluster is back within a second, so reconnect sooner and never wait long.
 */
const CHANNEL_RECONNECT_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
};

type UnaryStub = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export type ProduceStream = grpc.ClientDuplexStream<ProduceRequest, ProduceResponse>;

export class BrokerConnection {
  private readonly client: grpc.Client;
  /** The group service's stub, created on first use over the same channel. */
  private groupClient: grpc.Client | undefined;
  private readonly metadata = new grpc.Metadata();
  private closed = false;

  constructor(
    readonly address: string,
    options: ConnectionOptions,
  ) {
    const Ctor = brokerClientConstructor();
    this.client = new Ctor(address, grpc.credentials.createInsecure(), {
      ...CHANNEL_RECONNECT_OPTIONS,
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
      'grpc.primary_user_agent': options.clientId,
    });
    this.metadata.set('client-id', options.clientId);
  }

  /** A unary call that fails with REQUEST_TIMED_OUT if no answer arrives within `timeoutMs`. */
  call<M extends UnaryMethodName>(method: M, request: UnaryMethods[M][0], timeoutMs: number): Promise<UnaryMethods[M][1]> {
    if (this.closed) return Promise.reject(errors.networkException(`connection to ${this.address} is closed`));
    return this.unary(this.client, method, request, timeoutMs) as Promise<UnaryMethods[M][1]>;
  }

  /** A unary call of the GroupCoordinator service, bounded like `call`. */
  callGroup<M extends GroupMethodName>(method: M, request: GroupMethods[M][0], timeoutMs: number): Promise<GroupMethods[M][1]> {
    if (this.closed) return Promise.reject(errors.networkException(`connection to ${this.address} is closed`));
    if (!this.groupClient) {
      const Ctor = groupCoordinatorConstructor();
      this.groupClient = new Ctor(this.address, grpc.credentials.createInsecure(), { channelOverride: this.client.getChannel() });
    }
    return this.unary(this.groupClient, method, request, timeoutMs) as Promise<GroupMethods[M][1]>;
  }

  private unary(client: grpc.Client, method: string, request: unknown, timeoutMs: number): Promise<unknown> {
    const stub = (client as unknown as Record<string, UnaryStub>)[method]!.bind(client);
    return new Promise((resolve, reject) => {
      stub(request, this.metadata, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) reject(brokerErrorFromGrpc(err, `${method} to ${this.address}`));
        else resolve(response);
      });
    });
  }

  /** Opens a Produce stream; its owner matches responses to requests and bounds each one. */
  openProduceStream(): ProduceStream {
    if (this.closed) throw errors.networkException(`connection to ${this.address} is closed`);
    const open = (this.client as unknown as Record<string, (metadata: grpc.Metadata) => ProduceStream>)['Produce']!;
    return open.call(this.client, this.metadata);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

/**
 * Maps a gRPC failure to the Kafka error a Kafka client would see for the same situation. A broker
 * handler that throws a BrokerError reaches us as status UNKNOWN whose details start with the
 * Kafka name ("NOT_CONTROLLER: ..."); that name is recovered so its retriability is kept.
 */
export function brokerErrorFromGrpc(err: unknown, context: string): BrokerError {
  if (err instanceof BrokerError) return err;
  const status = (err as Partial<grpc.ServiceError>).code;
  const details = (err as Partial<grpc.ServiceError>).details ?? (err as Error).message ?? String(err);
  const message = `${context}: ${details}`;
  switch (status) {
    case grpc.status.UNAVAILABLE:
    case grpc.status.CANCELLED:
      return errors.networkException(message);
    case grpc.status.DEADLINE_EXCEEDED:
      return errors.requestTimedOut(message);
    case grpc.status.RESOURCE_EXHAUSTED:
      return errors.messageTooLarge(message);
    case grpc.status.UNIMPLEMENTED:
      return errors.unsupportedVersion(message);
    default: {
      const named = kafkaNameAtStart(details);
      return named ? new BrokerError(named, message) : errors.unknownServerError(message);
    }
  }
}

function kafkaNameAtStart(text: string): KafkaErrorName | undefined {
  const match = /^([A-Z_]+)(?::|$)/.exec(text);
  const name = match?.[1];
  return name && name in KAFKA_ERRORS && name !== 'NONE' ? (name as KafkaErrorName) : undefined;
}
