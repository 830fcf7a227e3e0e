/**
 * How the active controller learns at once that a broker's process died, instead of waiting out
 * its session (`broker.session.timeout.ms`). It keeps one idle TCP connection to each unfenced
 * broker's address. A process that dies (SIGKILL, a crash) has its sockets closed by the kernel,
 * so the connection closes; the watch then connects again at once, and if nothing listens there
 * any more (connection refused) the process is gone and the broker is reported. Anything less
 * clear-cut (a timeout, a reset while connecting) proves nothing and is left to the session. A
 * paused process, a slow one, one in a long GC pause or one cut off from the network keeps its
 * sockets and is never reported: only the session timeout fences those.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../common/logger.js';

/** Wait before a second connection attempt confirms a first refusal. */
const REFUSAL_CONFIRM_MS = 20;

export interface WatchedBroker {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly host: string;
  readonly port: number;
}

export interface BrokerProcessWatchOptions {
  /** The broker's process is gone: nothing listens at its address after its connection closed. */
  onGone(broker: WatchedBroker): void;
  /** A connection attempt that has not finished by then proves nothing. */
  probeTimeoutMs: number;
  /** Wait before connecting again after an attempt that proved nothing. */
  retryMs: number;
  logger: Logger;
}

interface Watch {
  readonly broker: WatchedBroker;
  socket: Socket | undefined;
  /** A connection to this incarnation was established once: a refusal now means it died. */
  wasConnected: boolean;
  /** Refusals in a row before any connection: two, 20 ms apart, mean it died before we watched. */
  refusals: number;
  retry: NodeJS.Timeout | undefined;
  stopped: boolean;
}

export class BrokerProcessWatch {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly options: BrokerProcessWatchOptions) {}

  /** Watches exactly these brokers (incarnations); stops watching the others. */
  update(brokers: Iterable<WatchedBroker>): void {
    const wanted = new Map<string, WatchedBroker>();
    for (const b of brokers) wanted.set(keyOf(b), b);
    for (const [key, watch] of this.watches) {
      if (!wanted.has(key)) this.drop(key, watch);
    }
    for (const [key, broker] of wanted) {
      if (this.watches.has(key)) continue;
      const watch: Watch = { broker, socket: undefined, wasConnected: false, refusals: 0, retry: undefined, stopped: false };
      this.watches.set(key, watch);
      this.connect(watch);
    }
  }

  stop(): void {
    for (const [key, watch] of this.watches) this.drop(key, watch);
  }

  private connect(watch: Watch): void {
    if (watch.stopped) return;
    const { host, port } = watch.broker;
    const socket = connect({ host, port });
    watch.socket = socket;
    let connected = false;
    const timer = setTimeout(() => socket.destroy(), this.options.probeTimeoutMs);
    timer.unref();
    socket.setNoDelay(true);
    // Only the close matters; the server may also close an idle connection that never speaks.
    socket.on('data', () => undefined);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      watch.wasConnected = true;
      watch.refusals = 0;
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (connected || watch.stopped) return;
      if (e.code !== 'ECONNREFUSED') return;
      watch.refusals++;
      if (watch.wasConnected || watch.refusals >= 2) {
        watch.stopped = true;
        this.options.logger.info({ broker: watch.broker.brokerId, brokerEpoch: watch.broker.brokerEpoch, address: `${host}:${port}` }, 'broker process gone: its connection closed and nothing listens at its address');
        this.options.onGone(watch.broker);
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (watch.stopped || watch.socket !== socket) return;
      watch.socket = undefined;
      // A connection that was up and closed: look again at once. A first refusal is confirmed
      // soon (a new active controller meets a broker that died with the old one this way).
      // Anything else: try again a little later.
      if (connected) this.connect(watch);
      else this.later(watch, watch.refusals > 0 ? Math.min(REFUSAL_CONFIRM_MS, this.options.retryMs) : this.options.retryMs);
    });
  }

  private later(watch: Watch, delayMs: number): void {
    if (watch.stopped) return;
    watch.retry = setTimeout(() => {
      watch.retry = undefined;
      this.connect(watch);
    }, delayMs);
    watch.retry.unref();
  }

  private drop(key: string, watch: Watch): void {
    watch.stopped = true;
    if (watch.retry) clearTimeout(watch.retry);
    watch.socket?.destroy();
    this.watches.delete(key);
  }
}

function keyOf(b: WatchedBroker): string {
  return `${b.brokerId}/${b.brokerEpoch}/${b.host}:${b.port}`;
}
