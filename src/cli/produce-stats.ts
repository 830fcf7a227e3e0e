/** Counting a produce run: acknowledged, failed by error name, throughput and ack latency percentiles. */
import { BrokerError } from '../common/errors.js';

export class ProduceStats {
  acked = 0;
  sent = 0;
  readonly failures = new Map<string, number>();
  private readonly latenciesMs: number[] = [];
  readonly startedAt = Date.now();

  recordAck(latencyMs: number): void {
    this.acked++;
    this.latenciesMs.push(latencyMs);
  }

  recordFailure(error: unknown): void {
    const name = error instanceof BrokerError ? error.kafkaName : error instanceof Error ? error.name : 'UNKNOWN';
    this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
  }

  get failed(): number {
    let total = 0;
    for (const n of this.failures.values()) total += n;
    return total;
  }

  percentileMs(p: number): number | undefined {
    if (this.latenciesMs.length === 0) return undefined;
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  }

  progressLine(total: number | undefined): string {
    const elapsedS = (Date.now() - this.startedAt) / 1000;
    const rate = elapsedS > 0 ? Math.round(this.acked / elapsedS) : 0;
    const of = total !== undefined ? `/${total}` : '';
    return `sent ${this.sent}${of}  acked ${this.acked}  failed ${this.failed}  ${rate} records/s`;
  }

  summary(acksLabel: string): string[] {
    const elapsedMs = Date.now() - this.startedAt;
    const rate = elapsedMs > 0 ? Math.round((this.acked * 1000) / elapsedMs) : 0;
    const lines = [`acked ${this.acked} of ${this.sent} records (acks=${acksLabel}) in ${elapsedMs} ms: ${rate} records/s`];
    const p50 = this.percentileMs(50);
    const p99 = this.percentileMs(99);
    if (p50 !== undefined && p99 !== undefined) lines.push(`ack latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    if (this.failed > 0) {
      const byName = [...this.failures.entries()].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`);
      lines.push(`failed ${this.failed}: ${byName.join(', ')}`);
    }
    return lines;
  }
}
