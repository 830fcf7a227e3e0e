/**
 * The timeline's source: the cluster's event log (cluster/events.ts), read again at each tick
 * from the newest time already delivered. Events of that same millisecond are read again too, so
 * they are remembered and skipped rather than lost or sent twice.
 */
import { describeEvent, readEvents, type ClusterEvent } from '../events.js';

/** What the page gets per event: the record and the line the CLI would print. */
export interface TimelineEvent extends ClusterEvent {
  line: string;
}

/** How many past events a page gets when it connects, and at most per tick. */
export const BACKLOG_EVENTS = 200;

export class EventFeed {
  private newestMs = -Infinity;
  private atNewest = new Set<string>();

  constructor(
    private readonly runDir: string,
    private readonly read: typeof readEvents = readEvents,
  ) {}

  /** The last events written, for a page that just connected. */
  backlog(limit = BACKLOG_EVENTS): TimelineEvent[] {
    return this.read(this.runDir, { limit }).map(withLine);
  }

  /** Events written since the previous call (the first call only marks where "now" is). */
  fresh(): TimelineEvent[] {
    const first = this.newestMs === -Infinity;
    const events = this.read(this.runDir, first ? { limit: BACKLOG_EVENTS } : { sinceMs: this.newestMs, limit: BACKLOG_EVENTS });
    const out: TimelineEvent[] = [];
    for (const e of events) {
      const key = keyOf(e);
      if (e.atMs < this.newestMs || (e.atMs === this.newestMs && this.atNewest.has(key))) continue;
      if (e.atMs > this.newestMs) {
        this.newestMs = e.atMs;
        this.atNewest = new Set();
      }
      this.atNewest.add(key);
      out.push(withLine(e));
    }
    return first ? [] : out;
  }
}

function keyOf(e: ClusterEvent): string {
  return `${e.atMs}\u0000${e.node}\u0000${e.kind}\u0000${e.text}`;
}

function withLine(e: ClusterEvent): TimelineEvent {
  return { ...e, line: describeEvent(e) };
}
