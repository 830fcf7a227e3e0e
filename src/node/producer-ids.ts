/**
 * Hands out producer ids to idempotent producers on this broker. Ids come in blocks from the active
 * controller (recorded in the metadata log, so they stay unique across broker restarts and
 * controller failover); the next block is fetched when this one runs out. Each producer gets a
 * new id with epoch 0, as Kafka does for producers without a transactional id.
 */
import { errors } from '../common/errors.js';
import type { ControllerApi } from './controller-api.js';

export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private fetching: Promise<void> | undefined;

  constructor(
    private readonly controller: Pick<ControllerApi, 'allocateProducerIds'>,
    private readonly broker: () => { brokerId: number; brokerEpoch: number },
  ) {}

  async initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    // Bounded: each round either takes an id or fetches a fresh, non-empty block (or throws).
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.next < this.end) return { producerId: this.next++, producerEpoch: 0 };
      this.fetching ??= this.fetchBlock().finally(() => (this.fetching = undefined));
      await this.fetching;
    }
    throw errors.unknownServerError('the controller keeps handing out empty producer id blocks');
  }

  private async fetchBlock(): Promise<void> {
    const block = await this.controller.allocateProducerIds(this.broker());
    this.next = block.producerIdStart;
    this.end = block.producerIdStart + block.producerIdLen;
  }
}
