/**
 * The way to a consumer group's coordinator: FindCoordinator on any broker names it, and group
 * requests go to its address. When it moves (NOT_COORDINATOR), is not ready
 * (COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) or cannot be reached, the request is
 * retried after a backoff, looking the coordinator up again first unless it was only loading.
 * Every request retries within its own time budget; a non-zero error code in the answer is thrown
 * as a BrokerError carrying the answer in `details.response`.
 */
import { BrokerError, errors, type KafkaErrorName } from '../common/errors.js';
import { formatAddress, type BrokerPool } from './broker-pool.js';
import type { GroupMethodName, GroupMethods } from './group-wire.js';
import type { MetadataCache } from './metadata-cache.js';
import { withRetries, type BackoffOptions } from './retry.js';

export interface CoordinatorLinkOptions extends BackoffOptions {
  requestTimeoutMs: number;
}

export interface GroupRequestOptions<R = unknown> {
  /** Budget of the whole request, retries and coordinator lookups included. */
  timeoutMs: number;
  /** Bound on one call (default: the request timeout); JoinGroup and SyncGroup wait for the group. */
  callTimeoutMs?: number;
  /** Looks into an answer without a top-level error; what it throws is treated like a failed call (retried if retriable). */
  check?: (response: R) => void;
}

/** Errors after which the coordinator must be looked up again. */
const COORDINATOR_GONE: ReadonlySet<KafkaErrorName> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'NETWORK_EXCEPTION', 'REQUEST_TIMED_OUT']);

export class CoordinatorLink {
  private address: string | undefined;
  private closed = false;

  constructor(
    private readonly pool: BrokerPool,
    private readonly metadata: MetadataCache,
    readonly groupId: string,
    private readonly options: CoordinatorLinkOptions,
  ) {}

  /** The coordinator's address as last found; undefined while unknown. */
  coordinatorAddress(): string | undefined {
    return this.address;
  }

  /** Sends `request` to the coordinator (found first if unknown); throws the answer's error as a BrokerError. */
  request<M extends Exclude<GroupMethodName, 'FindCoordinator'>>(method: M, request: GroupMethods[M][0], options: GroupRequestOptions<GroupMethods[M][1]>): Promise<GroupMethods[M][1]> {
    return withRetries(
      async (remainingMs) => {
        // Not retriable, so that a closed consumer's retry loops end at once.
        if (this.closed) throw errors.invalidRequest(`${method} for group ${this.groupId}: the consumer is closed`);
        const address = this.address ?? (await this.find(Math.min(remainingMs, this.options.requestTimeoutMs)));
        const callTimeoutMs = Math.max(1, Math.min(remainingMs, options.callTimeoutMs ?? this.options.requestTimeoutMs));
        const response = await this.pool.connection(address).callGroup(method, request, callTimeoutMs);
        const errorCode = (response as { error_code?: number }).error_code ?? 0;
        if (errorCode !== 0) {
          const message = (response as { error_message?: string }).error_message;
          throw BrokerError.fromCode(errorCode, `${method} for group ${this.groupId} at ${address}${message ? `: ${message}` : ''}`, { response });
        }
        options.check?.(response);
        return response;
      },
      {
        ...this.options,
        timeoutMs: options.timeoutMs,
        maxAttempts: Number.MAX_SAFE_INTEGER,
        onRetriableError: (e) => {
          if (COORDINATOR_GONE.has(e.kafkaName)) this.address = undefined;
          if (e.refreshMetadata) this.metadata.requestRefresh();
        },
      },
    ).catch((e: unknown) => {
      // A request that gave up on a coordinator error leaves it unknown, so the next one looks again.
      if (e instanceof BrokerError && COORDINATOR_GONE.has(e.kafkaName)) this.address = undefined;
      throw e;
    });
  }

  /** Ends the retries of requests under way (they fail with INVALID_REQUEST) and refuses new ones. */
  close(): void {
    this.closed = true;
  }

  /** FindCoordinator, asked of brokers in turn; only an unreachable broker moves on to the next. */
  private async find(timeoutMs: number): Promise<string> {
    let lastError: BrokerError | undefined;
    for (const candidate of this.metadata.candidateAddresses()) {
      try {
        const response = await this.pool.connection(candidate).callGroup('FindCoordinator', { group_id: this.groupId }, timeoutMs);
        if (response.error_code !== 0) {
          throw BrokerError.fromCode(response.error_code, `FindCoordinator for group ${this.groupId} at ${candidate}${response.error_message ? `: ${response.error_message}` : ''}`);
        }
        this.address = formatAddress(response.host, response.port);
        return this.address;
      } catch (e) {
        if (!(e instanceof BrokerError) || e.kafkaName !== 'NETWORK_EXCEPTION') throw e;
        lastError = e;
      }
    }
    throw lastError ?? errors.networkException(`no broker address to ask for the coordinator of group ${this.groupId}`);
  }
}
