/**
 * The Kafka listener of a broker node: a TCP server speaking the Kafka wire protocol to clients
 * (kafkajs, librdkafka, kafka-python, the Java client, ...) beside the node's gRPC port. At most
 * `max.connections` connections are open at once; more are closed as they arrive, with a log line.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../common/logger.js';
import { servedApis } from './apis.js';
import { KafkaConnection, type ConnectionLimits } from './connection.js';
import type { KafkaBroker } from './context.js';
import { RequestDispatcher } from './dispatcher.js';

export interface KafkaListenerOptions extends ConnectionLimits {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** max.connections */
  readonly maxConnections: number;
  readonly broker: KafkaBroker;
  readonly logger: Logger;
}

export class KafkaListener {
  private readonly connections = new Set<KafkaConnection>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Binds the port and starts accepting connections. */
  static async start(options: KafkaListenerOptions): Promise<KafkaListener> {
    const logger = options.logger.child({ component: 'kafka-listener' });
    const dispatcher = new RequestDispatcher(servedApis(), options.broker, logger);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const listener = new KafkaListener(server, port);
    server.on('connection', (socket: Socket) => listener.accept(socket, dispatcher, options, logger));
    server.on('error', (e) => logger.error({ err: e }, 'kafka listener error'));
    logger.info({ host: options.host, port }, 'kafka listener open');
    return listener;
  }

  private accept(socket: Socket, dispatcher: RequestDispatcher, options: KafkaListenerOptions, logger: Logger): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.connections.size >= options.maxConnections) {
      logger.warn({ peer, maxConnections: options.maxConnections }, 'refusing kafka connection: max.connections reached');
      socket.destroy();
      return;
    }
    const connection = new KafkaConnection(socket, dispatcher, options, logger, peer);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.close();
    await closed;
  }
}
