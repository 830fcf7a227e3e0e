/**
 * Broker epochs: every registration gets a new epoch, larger than any handed out before, and every
 * broker request carries the epoch it was given so that a request from an old incarnation of a
 * broker is refused. The next epoch derives from the image (the largest registered epoch + 1), so
 * it stays unique across controller failover: an epoch only counts once its registration commits.
 */
import { highestBrokerEpoch, type MetadataImage } from '../metadata/image.js';
import type { BrokerId, BrokerRegistration } from '../metadata/types.js';
import { staleBrokerEpoch } from './controller-errors.js';

export function nextBrokerEpoch(image: MetadataImage): number {
  return highestBrokerEpoch(image) + 1;
}

/** Throws STALE_BROKER_EPOCH (see controller-errors.ts) unless `brokerEpoch` is the broker's current one. */
export function checkBrokerEpoch(image: MetadataImage, brokerId: BrokerId, brokerEpoch: number): BrokerRegistration {
  const registration = image.brokers.get(brokerId);
  if (!registration) throw staleBrokerEpoch(`broker ${brokerId} is not registered`);
  if (registration.brokerEpoch !== brokerEpoch) {
    throw staleBrokerEpoch(`broker ${brokerId} has epoch ${registration.brokerEpoch}, not ${brokerEpoch}`);
  }
  return registration;
}
