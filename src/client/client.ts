/**
 * The entry point: one client per cluster, holding the gRPC channels that its admin, producers and
 * consumers share. Closing the client closes them all (producers drain within their own bound).
 */
import { Admin } from './admin.js';
import { BrokerPool } from './broker-pool.js';
import { Consumer } from './consumer.js';
import { resolveClientOptions, type ClientOptions, type ConsumerOptions, type ProducerOptions, type ResolvedClientOptions } from './options.js';
import { Producer, type CloseOptions } from './producer.js';

export class BrokerlabClient {
  readonly options: ResolvedClientOptions;
  private readonly pool: BrokerPool;
  private readonly admins = new Set<Admin>();
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer>();

  constructor(options: ClientOptions) {
    this.options = resolveClientOptions(options);
    this.pool = new BrokerPool(this.options.bootstrapServers, {
      clientId: this.options.clientId,
      maxReceiveMessageBytes: this.options.maxReceiveMessageBytes,
    });
  }

  admin(): Admin {
    const admin = new Admin(this.pool, this.options);
    this.admins.add(admin);
    return admin;
  }

  producer(options: ProducerOptions = {}): Producer {
    const producer = new Producer(this.pool, this.options, options);
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions = {}): Consumer {
    const consumer = new Consumer(this.pool, this.options, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Closes every producer (waiting up to `timeoutMs` for their pending sends), consumer (group
   * members leave their groups, within the same bound) and admin, then the channels.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    await Promise.all([...this.producers].map((p) => p.close(options)));
    await Promise.all([...this.consumers].map((c) => c.close(options)));
    for (const admin of this.admins) admin.close();
    this.producers.clear();
    this.consumers.clear();
    this.admins.clear();
    this.pool.close();
  }
}

export function createClient(options: ClientOptions): BrokerlabClient {
  return new BrokerlabClient(options);
}
