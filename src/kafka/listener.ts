/**
 * The Kafka listener of a broker node: a TCP server speaking the Kafka wire protocol to clients
 * (kafkajs, librdkafka, kafka-python, the Java client, ...) beside the node's gRPC port. At most
 * `max.connections` connections are open at once; more are closed as they arrive, with a log line.
 * While the node's client gate isolates clients, open connections are reset and new ones reset as
 * they arrive; a client delay holds every answer back (connection.ts keeps them in order).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { OPEN_GATE, type ClientGate } from '../common/client-gate.js';
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
  /** The node's client faults; none by default. */
  readonly clients?: ClientGate;
}

export class KafkaListener {
  private readonly connections = new Set<KafkaConnection>();
  private stopWatchingGate: () => void = () => undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly gate: ClientGate,
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
    const listener = new KafkaListener(server, port, options.clients ?? OPEN_GATE);
    listener.stopWatchingGate = listener.gate.onIsolate(() => listener.resetAll(logger));
    server.on('connection', (socket: Socket) => listener.accept(socket, dispatcher, options, logger));
    server.on('error', (e) => logger.error({ err: e }, 'kafka listener error'));
    logger.info({ host: options.host, port }, 'kafka listener open');
    return listener;
  }

  private accept(socket: Socket, dispatcher: RequestDispatcher, options: KafkaListenerOptions, logger: Logger): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.gate.isolated()) {
      // A TCP reset, as a dropped network path or a proxy refusing the client would look.
      logger.debug({ peer }, 'resetting kafka connection: clients are isolated');
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    if (this.connections.size >= options.maxConnections) {
      logger.warn({ peer, maxConnections: options.maxConnections }, 'refusing kafka connection: max.connections reached');
      socket.destroy();
      return;
    }
    const connection = new KafkaConnection(socket, dispatcher, options, logger, peer, this.gate);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Resets every open connection (client isolation begins). */
  private resetAll(logger: Logger): void {
    if (this.connections.size > 0) logger.info({ connections: this.connections.size }, 'clients isolated: resetting kafka connections');
    for (const c of this.connections) c.reset();
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    this.stopWatchingGate();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.close();
    await closed;
  }
}
