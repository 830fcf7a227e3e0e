/**
 * Kafka's RequestMetrics: requests served and how long each took from arrival to answer, per
 * request type (`request`: a Kafka API name such as Produce or Fetch, or a gRPC service and
 * method such as Client/Fetch)
 * and per front door (`listener`: kafka or grpc). The children of each (listener, request) pair
 * are made once and kept, so a request costs a Map lookup, an increment and an observation.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export type RequestListener = 'kafka' | 'grpc';

export interface RequestObserver {
  /** A request finished after `durationMs`; `failed` when its handler threw rather than answered. */
  observe(listener: RequestListener, request: string, durationMs: number, failed: boolean): void;
  /** A long-lived stream opened (counted; its lifetime is no latency). */
  opened(listener: RequestListener, request: string): void;
}

/** Milliseconds: long polls (fetches) wait up to their max wait, acks=all produces for the ISR. */
export const REQUEST_TIME_BUCKETS_MS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

interface RequestChildren {
  requests: Counter.Internal;
  errors: Counter.Internal;
  totalTime: Histogram.Internal<string>;
}

export function registerRequestMetrics(registry: Registry): RequestObserver {
  const labelNames = ['listener', 'request'] as const;
  const requests = new Counter({ name: 'kafka_network_requestmetrics_requests_total', help: 'Requests received, by listener and request type.', labelNames, registers: [registry] });
  const errors = new Counter({
    name: 'kafka_network_requestmetrics_errors_total',
    help: 'Requests whose handler failed (the Kafka connection is closed, the gRPC call fails), by listener and request type.',
    labelNames,
    registers: [registry],
  });
  const totalTime = new Histogram({
    name: 'kafka_network_requestmetrics_totaltimems',
    help: 'Milliseconds from a request’s arrival to its answer, by listener and request type (streams excluded).',
    labelNames,
    buckets: REQUEST_TIME_BUCKETS_MS,
    registers: [registry],
  });
  const children = new Map<string, RequestChildren>();
  const childrenOf = (listener: RequestListener, request: string): RequestChildren => {
    const key = `${listener}\u0000${request}`;
    let c = children.get(key);
    if (!c) {
      const labels = { listener, request };
      c = { requests: requests.labels(labels), errors: errors.labels(labels), totalTime: totalTime.labels(labels) };
      children.set(key, c);
    }
    return c;
  };
  return {
    observe(listener, request, durationMs, failed) {
      const c = childrenOf(listener, request);
      c.requests.inc();
      if (failed) c.errors.inc();
      c.totalTime.observe(durationMs);
    },
    opened(listener, request) {
      childrenOf(listener, request).requests.inc();
    },
  };
}
