/**
 * Kafka's error codes, names and retriability, shared by the gRPC and Kafka front doors and the
 * client. Errors are values of one class, created by name (`errors.notEnoughReplicas(...)`), so
 * every layer speaks the same vocabulary as Kafka's own clients.
 */

interface ErrorSpec {
  readonly code: number;
  readonly retriable: boolean;
  /** Clients refresh metadata after this error. */
  readonly refreshMetadata?: boolean;
}

export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: { code: -1, retriable: false },
  NONE: { code: 0, retriable: false },
  OFFSET_OUT_OF_RANGE: { code: 1, retriable: false },
  CORRUPT_MESSAGE: { code: 2, retriable: true },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, refreshMetadata: true },
  INVALID_FETCH_SIZE: { code: 4, retriable: false },
  LEADER_NOT_AVAILABLE: { code: 5, retriable: true, refreshMetadata: true },
  NOT_LEADER_OR_FOLLOWER: { code: 6, retriable: true, refreshMetadata: true },
  REQUEST_TIMED_OUT: { code: 7, retriable: true },
  BROKER_NOT_AVAILABLE: { code: 8, retriable: false },
  REPLICA_NOT_AVAILABLE: { code: 9, retriable: true, refreshMetadata: true },
  MESSAGE_TOO_LARGE: { code: 10, retriable: false },
  OFFSET_METADATA_TOO_LARGE: { code: 12, retriable: false },
  NETWORK_EXCEPTION: { code: 13, retriable: true, refreshMetadata: true },
  COORDINATOR_LOAD_IN_PROGRESS: { code: 14, retriable: true },
  COORDINATOR_NOT_AVAILABLE: { code: 15, retriable: true },
  NOT_COORDINATOR: { code: 16, retriable: true },
  INVALID_TOPIC_EXCEPTION: { code: 17, retriable: false },
  RECORD_LIST_TOO_LARGE: { code: 18, retriable: false },
  NOT_ENOUGH_REPLICAS: { code: 19, retriable: true },
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: { code: 20, retriable: true },
  INVALID_REQUIRED_ACKS: { code: 21, retriable: false },
  ILLEGAL_GENERATION: { code: 22, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { code: 23, retriable: false },
  INVALID_GROUP_ID: { code: 24, retriable: false },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false },
  INVALID_SESSION_TIMEOUT: { code: 26, retriable: false },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false },
  INVALID_COMMIT_OFFSET_SIZE: { code: 28, retriable: false },
  INVALID_TIMESTAMP: { code: 32, retriable: false },
  UNSUPPORTED_VERSION: { code: 35, retriable: false },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false },
  INVALID_PARTITIONS: { code: 37, retriable: false },
  INVALID_REPLICATION_FACTOR: { code: 38, retriable: false },
  INVALID_REPLICA_ASSIGNMENT: { code: 39, retriable: false },
  INVALID_CONFIG: { code: 40, retriable: false },
  NOT_CONTROLLER: { code: 41, retriable: true },
  INVALID_REQUEST: { code: 42, retriable: false },
  POLICY_VIOLATION: { code: 44, retriable: false },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { code: 45, retriable: false },
  DUPLICATE_SEQUENCE_NUMBER: { code: 46, retriable: false },
  INVALID_PRODUCER_EPOCH: { code: 47, retriable: false },
  INVALID_PRODUCER_ID_MAPPING: { code: 49, retriable: false },
  CONCURRENT_TRANSACTIONS: { code: 51, retriable: true },
  KAFKA_STORAGE_ERROR: { code: 56, retriable: true, refreshMetadata: true },
  UNKNOWN_PRODUCER_ID: { code: 59, retriable: false },
  NON_EMPTY_GROUP: { code: 68, retriable: false },
  GROUP_ID_NOT_FOUND: { code: 69, retriable: false },
  FETCH_SESSION_ID_NOT_FOUND: { code: 70, retriable: true },
  INVALID_FETCH_SESSION_EPOCH: { code: 71, retriable: true },
  TOPIC_DELETION_DISABLED: { code: 73, retriable: false },
  FENCED_LEADER_EPOCH: { code: 74, retriable: true, refreshMetadata: true },
  UNKNOWN_LEADER_EPOCH: { code: 75, retriable: true },
  UNSUPPORTED_COMPRESSION_TYPE: { code: 76, retriable: false },
  STALE_BROKER_EPOCH: { code: 77, retriable: false },
  OFFSET_NOT_AVAILABLE: { code: 78, retriable: true },
  MEMBER_ID_REQUIRED: { code: 79, retriable: false },
  GROUP_MAX_SIZE_REACHED: { code: 81, retriable: false },
  FENCED_INSTANCE_ID: { code: 82, retriable: false },
  INVALID_RECORD: { code: 87, retriable: false },
  UNSTABLE_OFFSET_COMMIT: { code: 88, retriable: true },
  THROTTLING_QUOTA_EXCEEDED: { code: 89, retriable: true },
  INVALID_UPDATE_VERSION: { code: 95, retriable: false },
  UNKNOWN_TOPIC_ID: { code: 100, retriable: true, refreshMetadata: true },
  DUPLICATE_BROKER_REGISTRATION: { code: 101, retriable: false },
  INCONSISTENT_TOPIC_ID: { code: 103, retriable: true, refreshMetadata: true },
  NEW_LEADER_ELECTED: { code: 106, retriable: false },
  INELIGIBLE_REPLICA: { code: 107, retriable: false },
} as const satisfies Record<string, ErrorSpec>;

export type KafkaErrorName = keyof typeof KAFKA_ERRORS;

const NAME_BY_CODE = new Map<number, KafkaErrorName>(
  (Object.keys(KAFKA_ERRORS) as KafkaErrorName[]).map((name) => [KAFKA_ERRORS[name].code, name]),
);

/** An error a request can fail with: it carries Kafka's name and code and says whether a retry may succeed. */
export class BrokerError extends Error {
  readonly kafkaName: KafkaErrorName;
  readonly code: number;
  readonly retriable: boolean;
  readonly refreshMetadata: boolean;
  /** Extra facts for the caller, such as the current leader's id (NOT_CONTROLLER) or a diverging offset. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(name: KafkaErrorName, message?: string, details: Record<string, unknown> = {}) {
    super(message ? `${name}: ${message}` : name);
    const spec: ErrorSpec = KAFKA_ERRORS[name];
    this.name = 'BrokerError';
    this.kafkaName = name;
    this.code = spec.code;
    this.retriable = spec.retriable;
    this.refreshMetadata = spec.refreshMetadata ?? false;
    this.details = details;
  }

  /** Rebuild an error received as a code (from the wire). Unknown codes become UNKNOWN_SERVER_ERROR. */
  static fromCode(code: number, message?: string, details?: Record<string, unknown>): BrokerError {
    return new BrokerError(NAME_BY_CODE.get(code) ?? 'UNKNOWN_SERVER_ERROR', message, details);
  }
}

export function errorNameOf(code: number): KafkaErrorName | undefined {
  return NAME_BY_CODE.get(code);
}

export function isBrokerError(e: unknown, name?: KafkaErrorName): e is BrokerError {
  return e instanceof BrokerError && (name === undefined || e.kafkaName === name);
}

type Factory = (message?: string, details?: Record<string, unknown>) => BrokerError;

function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

type CamelCase<S extends string> = S extends `${infer H}_${infer T}`
  ? `${Lowercase<H>}${Capitalize<CamelCase<T>>}`
  : Lowercase<S>;

/** Factories by camel-cased Kafka name: `errors.corruptMessage('crc mismatch')`. */
export const errors = Object.fromEntries(
  (Object.keys(KAFKA_ERRORS) as KafkaErrorName[]).map((name) => [
    camel(name),
    ((message?: string, details?: Record<string, unknown>) => new BrokerError(name, message, details)) as Factory,
  ]),
) as { [K in KafkaErrorName as CamelCase<K>]: Factory };

/**
 * A broken invariant is a programming error, not a request failure: stop loudly rather than
 * continue on corrupt state.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'AssertionFailure';
  }
}
