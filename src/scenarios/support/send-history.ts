/**
 * Sends recorded in `src/check`'s history shape, so the history checker can judge what producers
 * were told against what the log holds. One value per send: each outcome is then unambiguous.
 */
import type { SendOp } from '../../check/index.js';
import { BrokerError, type Producer } from '../../client/index.js';

export class SendHistory {
  readonly sends: SendOp[] = [];

  constructor(
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** Sends `value`; resolves true once acknowledged, false if it failed (recorded either way). */
  async send(producer: Producer, value: string, acks: 1 | 'all'): Promise<boolean> {
    const invokeMs = performance.now();
    const base = { process: value, partition: this.partition, values: [value], acks: acks === 'all' ? -1 : 1, invokeMs };
    try {
      const [metadata] = await producer.send({ topic: this.topic, acks, messages: [{ value, partition: this.partition }] });
      this.sends.push({ ...base, completeMs: performance.now(), outcome: 'ok', offset: metadata!.offset });
      return true;
    } catch (e) {
      const error = e instanceof BrokerError ? e.kafkaName : String(e);
      this.sends.push({ ...base, completeMs: performance.now(), outcome: 'info', error });
      return false;
    }
  }

  acknowledged(): string[] {
    return this.sends.filter((s) => s.outcome === 'ok').flatMap((s) => s.values);
  }
}
