/**
 * Kafka errors the controller answers with that src/common/errors.ts does not define yet. Until it
 * does, each is sent as the closest defined error (INVALID_REQUEST, like Kafka's own fallback for
 * old AlterPartition versions) and carries the real Kafka name and code in `details`, so callers can
 * tell them apart and only this file changes when the real codes arrive.
 */
import { errors, isBrokerError, type BrokerError } from '../common/errors.js';

export const MISSING_KAFKA_ERRORS = {
  STALE_BROKER_EPOCH: 77,
  INELIGIBLE_REPLICA: 107,
} as const;

export type MissingKafkaError = keyof typeof MISSING_KAFKA_ERRORS;

function standIn(name: MissingKafkaError, message: string, details: Record<string, unknown> = {}): BrokerError {
  return errors.invalidRequest(`${name}: ${message}`, { kafkaError: name, kafkaCode: MISSING_KAFKA_ERRORS[name], ...details });
}

/** The broker epoch does not match the broker's current registration: the broker must re-register. */
export function staleBrokerEpoch(message: string): BrokerError {
  return standIn('STALE_BROKER_EPOCH', message);
}

/** A proposed ISR names a broker that is fenced, shutting down or unregistered. */
export function ineligibleReplica(message: string, ineligible: readonly number[]): BrokerError {
  return standIn('INELIGIBLE_REPLICA', message, { ineligible });
}

/** True when `e` is the given Kafka error, whether sent under its own name or a stand-in. */
export function isKafkaError(e: unknown, name: MissingKafkaError): boolean {
  return isBrokerError(e) && e.details['kafkaError'] === name;
}
