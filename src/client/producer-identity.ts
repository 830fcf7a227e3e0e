/**
 * The producer id and epoch of an idempotent producer, from InitProducerId on any broker (brokers
 * hand out ids from blocks the controller allocates). The first send waits for one; afterwards a
 * partition whose sequence chain broke asks for a replacement in the background. Concurrent askers
 * share one request, each request retries retriable errors within its time budget, and a failed
 * background request is not repeated before a backoff.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import type { MetadataCache } from './metadata-cache.js';
import { backoffDelayMs, monotonicNowMs, withRetries, type BackoffOptions } from './retry.js';

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export interface ProducerIdentityOptions extends BackoffOptions {
  requestTimeoutMs: number;
}

/** Kafka's transaction.timeout.ms default; sent as Kafka's producer does, unused without transactions. */
const TRANSACTION_TIMEOUT_MS = 60_000;

export function sameIdentity(a: ProducerIdentity | undefined, b: ProducerIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.producerId === b.producerId && a.producerEpoch === b.producerEpoch;
}

export class ProducerIdentities {
  private identity: ProducerIdentity | undefined;
  private pending: Promise<ProducerIdentity> | undefined;
  private failures = 0;
  /** A background request that failed is not repeated before this monotonic time. */
  private retryAtMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last failure, for the errors of batches that waited for an identity in vain. */
  lastError: BrokerError | undefined;

  constructor(
    private readonly pool: BrokerPool,
    private readonly metadata: MetadataCache,
    private readonly options: ProducerIdentityOptions,
    /** Called whenever an identity arrives or a failed request may be retried. */
    private readonly onChange: () => void,
  ) {}

  current(): ProducerIdentity | undefined {
    return this.identity;
  }

  /** The current identity, asking a broker for one first if there is none (retrying within `timeoutMs`). */
  obtain(timeoutMs: number): Promise<ProducerIdentity> {
    if (this.closed) return Promise.reject(errors.invalidRequest('the producer is closed'));
    if (this.identity) return Promise.resolve(this.identity);
    this.pending ??= this.request(timeoutMs).finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * Asks in the background for an identity other than `stale` (or for a first one). `onChange`
   * tells when it is there; a failure is kept in `lastError` and retried after a backoff.
   */
  renew(stale: ProducerIdentity | undefined): void {
    if (sameIdentity(this.identity, stale)) this.identity = undefined;
    if (this.closed || this.identity || this.pending || monotonicNowMs() < this.retryAtMs) return;
    this.obtain(this.options.requestTimeoutMs).catch((e: unknown) => {
      if (!(e instanceof BrokerError)) throw e;
      this.lastError = e;
      this.failures++;
      const delayMs = backoffDelayMs(this.failures, this.options);
      this.retryAtMs = monotonicNowMs() + delayMs;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.onChange();
      }, delayMs);
    });
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async request(timeoutMs: number): Promise<ProducerIdentity> {
    const identity = await withRetries((remainingMs) => this.askAnyBroker(Math.min(remainingMs, this.options.requestTimeoutMs)), {
      ...this.options,
      timeoutMs,
      maxAttempts: Number.MAX_SAFE_INTEGER,
      onRetriableError: (e) => {
        if (e.refreshMetadata) this.metadata.requestRefresh();
      },
    });
    if (this.closed) throw errors.invalidRequest('the producer is closed');
    this.identity = identity;
    this.failures = 0;
    this.lastError = undefined;
    this.onChange();
    return identity;
  }

  /** One InitProducerId, asked of brokers in turn; only an unreachable broker moves on to the next. */
  private async askAnyBroker(timeoutMs: number): Promise<ProducerIdentity> {
    // Not retriable, so that a closed producer's retry loop ends at once.
    if (this.closed) throw errors.invalidRequest('InitProducerId: the producer is closed');
    let lastError: BrokerError | undefined;
    for (const address of this.metadata.candidateAddresses()) {
      try {
        const response = await this.pool.connection(address).call('InitProducerId', { transaction_timeout_ms: TRANSACTION_TIMEOUT_MS }, timeoutMs);
        if (response.error_code !== 0) {
          throw BrokerError.fromCode(response.error_code, `InitProducerId from ${address}${response.error_message ? `: ${response.error_message}` : ''}`);
        }
        return { producerId: response.producer_id, producerEpoch: response.producer_epoch };
      } catch (e) {
        if (!(e instanceof BrokerError) || e.kafkaName !== 'NETWORK_EXCEPTION') throw e;
        lastError = e;
      }
    }
    throw lastError ?? errors.networkException('no broker address to ask for a producer id');
  }
}
