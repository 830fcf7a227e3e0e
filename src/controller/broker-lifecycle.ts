/**
 * A broker's life as the controller sees it, following Kafka's broker states:
 *
 *   registered (fenced) --caught up--> unfenced --wantShutdown--> controlled shutdown --> fenced
 *          ^                              |                                                |
 *          +--------- re-registration ----+---- session expired / wantFence ---------------+
 *
 * Each transition is records: the broker's own record (Register/Unfence/Fence/ControlledShutdown)
 * and the leader and ISR updates it implies for every partition.
 */
import { highestBrokerEpoch, leadsAnyPartition, type MetadataImage } from '../metadata/image.js';
import type { BrokerId, BrokerRegistration } from '../metadata/types.js';
import { brokerEvent } from './controller-events.js';
import { staleBrokerEpoch } from './controller-errors.js';
import { electLeaderlessPartitions, removeBrokerFromIsrs } from './partition-updates.js';
import type { RecordBatch } from './record-batch.js';
import type { BrokerHeartbeatRequest, RegisterBrokerRequest } from './types.js';

/**
 * The next broker epoch: larger than any handed out before. It derives from the image (the largest
 * registered epoch + 1), so it stays unique across controller failover: an epoch only counts once
 * its registration commits, and a registration only ever replaces a lower epoch.
 */
export function nextBrokerEpoch(image: MetadataImage): number {
  return highestBrokerEpoch(image) + 1;
}

/**
 * Every broker request carries the epoch its registration got, so a request from an old
 * incarnation is refused. Throws STALE_BROKER_EPOCH (see controller-errors.ts) otherwise.
 */
export function checkBrokerEpoch(image: MetadataImage, brokerId: BrokerId, brokerEpoch: number): BrokerRegistration {
  const registration = image.brokers.get(brokerId);
  if (!registration) throw staleBrokerEpoch(`broker ${brokerId} is not registered`);
  if (registration.brokerEpoch !== brokerEpoch) {
    throw staleBrokerEpoch(`broker ${brokerId} has epoch ${registration.brokerEpoch}, not ${brokerEpoch}`);
  }
  return registration;
}

/**
 * Registers a broker under a new epoch; it starts fenced. A new incarnation is a restarted process
 * whose log may have lost its unflushed tail, so it leaves every ISR (except as a last member) and
 * its leaderships move, as after an unclean shutdown in Kafka; it rejoins ISRs by catching up.
 */
export function registerBroker(batch: RecordBatch, req: RegisterBrokerRequest): number {
  const previous = batch.image.brokers.get(req.brokerId);
  const brokerEpoch = nextBrokerEpoch(batch.image);
  batch.add({
    type: 'RegisterBroker',
    brokerId: req.brokerId,
    brokerEpoch,
    incarnationId: req.incarnationId,
    endpoint: req.endpoint,
    ...(req.kafkaEndpoint ? { kafkaEndpoint: req.kafkaEndpoint } : {}),
  });
  batch.note(brokerEvent('broker-registered', 'broker registered', { broker: req.brokerId, brokerEpoch, restarted: previous !== undefined }));
  if (previous && previous.incarnationId !== req.incarnationId) {
    batch.because({ reason: `broker ${req.brokerId} restarted` }, () => removeBrokerFromIsrs(batch, req.brokerId));
  }
  return brokerEpoch;
}

/**
 * The events carry the broker id as `broker`; the controller adds `sinceLastHeardMs` (it alone
 * knows heartbeat times), and the partition events say which broker state change caused them.
 */
export function fenceBroker(batch: RecordBatch, broker: BrokerRegistration, reason: string): void {
  batch.add({ type: 'FenceBroker', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch });
  const event = brokerEvent('broker-fenced', 'broker fenced', { broker: broker.brokerId, brokerEpoch: broker.brokerEpoch, reason });
  batch.note(event);
  const moved = batch.because({ reason: `broker ${broker.brokerId} fenced: ${reason}` }, () => removeBrokerFromIsrs(batch, broker.brokerId));
  event.fields['partitionsChanged'] = moved.length;
}

export function unfenceBroker(batch: RecordBatch, broker: BrokerRegistration): void {
  batch.add({ type: 'UnfenceBroker', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch });
  const event = brokerEvent('broker-unfenced', 'broker unfenced', { broker: broker.brokerId, brokerEpoch: broker.brokerEpoch, reason: 'caught up with the metadata log' });
  batch.note(event);
  // Partitions that went offline waiting for this broker (their last ISR member) get it back as leader.
  const elected = batch.because({ reason: `broker ${broker.brokerId} unfenced` }, () => electLeaderlessPartitions(batch));
  event.fields['leadersElected'] = elected.length;
}

export function enterControlledShutdown(batch: RecordBatch, broker: BrokerRegistration): void {
  batch.add({ type: 'BrokerControlledShutdown', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch });
  const event = brokerEvent('broker-controlled-shutdown', 'broker in controlled shutdown', { broker: broker.brokerId, brokerEpoch: broker.brokerEpoch });
  batch.note(event);
  const moved = batch.because({ reason: `broker ${broker.brokerId} in controlled shutdown` }, () => removeBrokerFromIsrs(batch, broker.brokerId));
  event.fields['partitionsChanged'] = moved.length;
}

/** The broker has applied the metadata log up to its own registration, as committed. */
export function isCaughtUp(committed: MetadataImage, brokerId: BrokerId, brokerEpoch: number, metadataOffset: number): boolean {
  const registration = committed.brokers.get(brokerId);
  const offset = committed.brokerRegistrationOffsets.get(brokerId);
  return registration?.brokerEpoch === brokerEpoch && offset !== undefined && metadataOffset >= offset;
}

export interface HeartbeatOutcome {
  readonly shouldShutdown: boolean;
}

/**
 * The state transition one heartbeat causes (Kafka's BrokerHeartbeatManager.calculateNextBrokerState).
 * A broker in controlled shutdown may exit once it leads nothing both in the working image and in
 * the committed one, so the moves of its leaderships are durable before it goes; it is then fenced.
 */
export function applyHeartbeat(
  batch: RecordBatch,
  committed: MetadataImage,
  broker: BrokerRegistration,
  req: BrokerHeartbeatRequest,
): HeartbeatOutcome {
  const caughtUp = isCaughtUp(committed, broker.brokerId, broker.brokerEpoch, req.currentMetadataOffset);
  if (broker.fenced) {
    if (req.wantShutdown) return { shouldShutdown: true };
    if (!req.wantFence && caughtUp) unfenceBroker(batch, broker);
    return { shouldShutdown: false };
  }
  if (broker.inControlledShutdown) {
    // Retry moving what could not move before (a follower may have come back).
    batch.because({ reason: `broker ${broker.brokerId} in controlled shutdown` }, () => removeBrokerFromIsrs(batch, broker.brokerId));
    if (leadsAnyPartition(batch.image, broker.brokerId) || leadsAnyPartition(committed, broker.brokerId)) {
      return { shouldShutdown: false };
    }
    fenceBroker(batch, broker, 'controlled shutdown complete');
    return { shouldShutdown: true };
  }
  if (req.wantFence) {
    fenceBroker(batch, broker, 'requested by the broker');
    return { shouldShutdown: req.wantShutdown === true };
  }
  if (req.wantShutdown) {
    if (leadsAnyPartition(batch.image, broker.brokerId)) {
      enterControlledShutdown(batch, broker);
      return { shouldShutdown: false };
    }
    fenceBroker(batch, broker, 'shutdown with no leaderships');
    return { shouldShutdown: true };
  }
  return { shouldShutdown: false };
}
