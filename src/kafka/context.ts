/**
 * What a Kafka request handler may use: the broker's client front (the same implementation the
 * gRPC client service uses), this node's identity, and the Kafka endpoints of the brokers.
 */
import { isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ClientFront } from '../broker/client-front.js';
import type { BrokerId, Endpoint } from '../metadata/types.js';

export interface KafkaBroker {
  readonly front: ClientFront;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly logger: Logger;
  /** The Kafka listener a broker registered, if it has one. */
  kafkaEndpoint(brokerId: BrokerId): Endpoint | undefined;
  /** Told how long each request took (the node's metrics); optional. */
  readonly requestTimes?: KafkaRequestTimes;
}

/** Called once per request that reached a handler, by its API name (Produce, Fetch, Metadata, ...). */
export interface KafkaRequestTimes {
  observe(apiName: string, durationMs: number, failed: boolean): void;
}

export interface RequestContext {
  readonly apiVersion: number;
  readonly clientId: string | null;
  /** The client's address, `host:port`. */
  readonly peer: string;
  readonly broker: KafkaBroker;
}

/** Kafka's "no value" for authorized-operations fields (not requested). */
export const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** The error fields of a response: the code, and where the version has one, a message. */
export function errorCodeOf(error: { code: number } | undefined): number {
  return error ? error.code : 0;
}

/** The error a throw or rejection carries; anything that is not a BrokerError is a bug and is rethrown. */
export function brokerErrorOf(e: unknown): BrokerError {
  if (isBrokerError(e)) return e;
  throw e;
}
