/** Controller-specific Kafka errors, named as the controller's callers expect them. */
import { errors, isBrokerError, type BrokerError, type KafkaErrorName } from '../common/errors.js';

/** The broker epoch does not match the broker's current registration: the broker must re-register. */
export function staleBrokerEpoch(message: string): BrokerError {
  return errors.staleBrokerEpoch(message);
}

/** A proposed ISR names a broker that is fenced, shutting down or unregistered. */
export function ineligibleReplica(message: string, ineligible: readonly number[]): BrokerError {
  return errors.ineligibleReplica(message, { ineligible });
}

/** True when `e` is the given Kafka error. */
export function isKafkaError(e: unknown, name: KafkaErrorName): boolean {
  return isBrokerError(e, name);
}
