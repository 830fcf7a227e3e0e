/**
 * Topic-level configs: the names Kafka uses, their defaults, and their validation. The image
 * stores only the overrides a topic was given; readers resolve defaults here, so a default can
 * change without rewriting the log.
 */
import { errors } from '../common/errors.js';

export interface ResolvedTopicConfig {
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  /** -1 keeps data forever. */
  readonly retentionMs: number;
  /** -1 means no size limit. */
  readonly retentionBytes: number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly maxMessageBytes: number;
  readonly cleanupPolicy: string;
  readonly deleteRetentionMs: number;
  readonly minCleanableDirtyRatio: number;
}

type Validator = (value: string) => string | undefined;

const longAtLeast =
  (min: number): Validator =>
  (v) =>
    /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= min ? undefined : `must be an integer >= ${min}`;

const intAtLeast =
  (min: number): Validator =>
  (v) =>
    longAtLeast(min)(v) ?? (Number(v) <= 2 ** 31 - 1 ? undefined : 'must fit in a 32-bit integer');

const ratio: Validator = (v) => (/^\d*\.?\d+$/.test(v) && Number(v) >= 0 && Number(v) <= 1 ? undefined : 'must be a number between 0 and 1');

const oneOf =
  (...allowed: string[]): Validator =>
  (v) =>
    allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;

interface ConfigDef {
  readonly defaultValue: string;
  readonly validate: Validator;
}

/** Kafka's topic configs that brokerlab understands, with Kafka's defaults. */
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'min.insync.replicas': { defaultValue: '1', validate: intAtLeast(1) },
  'unclean.leader.election.enable': { defaultValue: 'false', validate: oneOf('true', 'false') },
  'retention.ms': { defaultValue: '604800000', validate: longAtLeast(-1) },
  'retention.bytes': { defaultValue: '-1', validate: longAtLeast(-1) },
  // Kafka's floor: a segment must hold at least a record batch header.
  'segment.bytes': { defaultValue: '1073741824', validate: intAtLeast(14) },
  'segment.ms': { defaultValue: '604800000', validate: longAtLeast(1) },
  'max.message.bytes': { defaultValue: '1048588', validate: intAtLeast(0) },
  'cleanup.policy': { defaultValue: 'delete', validate: oneOf('delete', 'compact', 'delete,compact', 'compact,delete') },
  'delete.retention.ms': { defaultValue: '86400000', validate: longAtLeast(0) },
  'min.cleanable.dirty.ratio': { defaultValue: '0.5', validate: ratio },
  'compression.type': {
    defaultValue: 'producer',
    validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
  },
  'message.timestamp.type': { defaultValue: 'CreateTime', validate: oneOf('CreateTime', 'LogAppendTime') },
};

/** Throws INVALID_CONFIG naming the first unknown key or bad value. */
export function validateTopicConfigs(configs: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(configs)) validateTopicConfig(key, value);
}

export function validateTopicConfig(key: string, value: string): void {
  const def = TOPIC_CONFIGS[key];
  if (!def) throw errors.invalidConfig(`unknown topic config "${key}"`);
  const problem = def.validate(value);
  if (problem) throw errors.invalidConfig(`${key}=${JSON.stringify(value)}: ${problem}`);
}

function raw(configs: Readonly<Record<string, string>>, key: string): string {
  return configs[key] ?? TOPIC_CONFIGS[key]!.defaultValue;
}

/** The effective configuration of a topic: its overrides over Kafka's defaults. */
export function resolveTopicConfig(configs: Readonly<Record<string, string>>): ResolvedTopicConfig {
  return {
    minInsyncReplicas: Number(raw(configs, 'min.insync.replicas')),
    uncleanLeaderElectionEnable: raw(configs, 'unclean.leader.election.enable') === 'true',
    retentionMs: Number(raw(configs, 'retention.ms')),
    retentionBytes: Number(raw(configs, 'retention.bytes')),
    segmentBytes: Number(raw(configs, 'segment.bytes')),
    segmentMs: Number(raw(configs, 'segment.ms')),
    maxMessageBytes: Number(raw(configs, 'max.message.bytes')),
    cleanupPolicy: raw(configs, 'cleanup.policy'),
    deleteRetentionMs: Number(raw(configs, 'delete.retention.ms')),
    minCleanableDirtyRatio: Number(raw(configs, 'min.cleanable.dirty.ratio')),
  };
}
