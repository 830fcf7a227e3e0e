/**
 * The dashboard's heartbeat: every interval it samples the cluster (status, metrics, new events)
 * once, whoever is watching, and hands the result to every open Server-Sent Events stream. A tick
 * never waits on a slow node for long (status and scrape calls are bounded well under a second),
 * and a tick still running when the next one is due is not doubled: that one is skipped.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../src/common/logger.js';
import type { ClusterHandle } from './cluster-handle.js';
import type { EventFeed, TimelineEvent } from './event-feed.js';
import { RateSampler } from './rates.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';

export class LiveFeed {
  private readonly streams = new Set<ServerResponse>();
  private readonly rates: RateSampler;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private latest: Snapshot | undefined;

  constructor(
    private readonly cluster: ClusterHandle,
    private readonly events: EventFeed,
    private readonly log: Logger,
    private readonly intervalMs: number,
    scrapeTimeoutMs: number,
  ) {
    this.rates = new RateSampler(scrapeTimeoutMs);
  }

  start(): void {
    // Marks where the log ends now, so the first tick sends only what happens from here on.
    this.safely(() => this.events.fresh(), []);
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = undefined));
    }, this.intervalMs);
    this.ticking = this.tick().finally(() => (this.ticking = undefined));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    await this.ticking;
  }

  /** The newest snapshot, or a fresh one when none was taken yet. */
  async snapshot(): Promise<Snapshot> {
    return this.latest ?? this.take();
  }

  /** Opens an SSE stream: the latest snapshot and the recent events at once, then every tick's. */
  attach(stream: ServerResponse): void {
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // EventSource reconnects by itself; a short retry brings the page back soon after a restart.
    stream.write('retry: 1000\n\n');
    this.streams.add(stream);
    stream.on('close', () => this.streams.delete(stream));
    if (this.latest) send(stream, 'snapshot', this.latest);
    send(stream, 'events', this.safely(() => this.events.backlog(), []));
  }

  private async tick(): Promise<void> {
    try {
      const snapshot = await this.take();
      const fresh = this.safely(() => this.events.fresh(), [] as TimelineEvent[]);
      for (const stream of this.streams) {
        send(stream, 'snapshot', snapshot);
        if (fresh.length > 0) send(stream, 'events', fresh);
      }
    } catch (e) {
      // The page shows the last picture it had; the next tick tries again.
      this.log.warn({ err: e }, 'dashboard: sampling the cluster failed');
      for (const stream of this.streams) send(stream, 'problem', { message: (e as Error).message });
    }
  }

  private async take(): Promise<Snapshot> {
    const snapshot = await this.cluster.use(async (supervisor) => {
      const state = supervisor.state;
      const alive = (id: number) => supervisor.processState(id) === 'up';
      const [status, rates] = await Promise.all([supervisor.status(), this.rates.sample(state.nodes, alive)]);
      return buildSnapshot(status, state, supervisor.runDir.root, rates);
    });
    this.latest = snapshot;
    return snapshot;
  }

  private safely<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (e) {
      this.log.warn({ err: e }, 'dashboard: reading the event log failed');
      return fallback;
    }
  }
}

function send(stream: ServerResponse, event: string, data: unknown): void {
  if (stream.destroyed || stream.writableEnded) return;
  stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
