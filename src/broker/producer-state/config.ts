/**
 * Settings of one partition's producer state, named after Kafka's where Kafka has one
 * (`producer.id.expiration.ms` -> `producerIdExpirationMs`). The snapshot settings are brokerlab's:
 * Kafka snapshots at every segment roll, which the log does not announce, so brokerlab snapshots by
 * log bytes instead, which bounds the same thing — how much log a restart or a truncation replays.
 */
import { errors } from '../../common/errors.js';

export interface ProducerStateConfig {
  /**
   * producer.id.expiration.ms: a producer whose newest batch timestamp is this much older than now
   * is forgotten by `removeExpiredProducers` and when a snapshot is loaded. Kafka's default: 1 day.
   */
  producerIdExpirationMs: number;
  /** After this many log bytes have been applied since the last snapshot, the next batch boundary writes one. */
  snapshotIntervalBytes: number;
  /** Snapshot files kept; older ones are deleted once a newer one is written. */
  snapshotsRetained: number;
  /** Bytes asked of the log per read while replaying it, so a rebuild holds only one chunk at a time. */
  replayChunkBytes: number;
}

export const DEFAULT_PRODUCER_STATE_CONFIG: Readonly<ProducerStateConfig> = Object.freeze({
  producerIdExpirationMs: 24 * 60 * 60 * 1000,
  // Replaying 16 MiB costs tens of milliseconds; writing a snapshot costs one small file and an fsync.
  snapshotIntervalBytes: 16 * 1024 * 1024,
  // Truncations usually cut only an unreplicated tail, well within the newest of three snapshots.
  snapshotsRetained: 3,
  replayChunkBytes: 1024 * 1024,
});

/** Fills in defaults and checks ranges; throws INVALID_CONFIG naming the offending setting. */
export function resolveProducerStateConfig(overrides: Partial<ProducerStateConfig> = {}): ProducerStateConfig {
  const config: ProducerStateConfig = { ...DEFAULT_PRODUCER_STATE_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_PRODUCER_STATE_CONFIG)) throw errors.invalidConfig(`unknown producer state setting ${key}`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw errors.invalidConfig(`${key} must be a positive integer, got ${String(value)}`);
    }
    config[key as keyof ProducerStateConfig] = value;
  }
  return config;
}
