/**
 * Order checks for `ordering`. Every event is `entity:seq`, with seq counting up from 0 per
 * entity in the order the events were produced. An order violation is an event that comes after
 * a later event of the same entity, in whatever sequence is being judged (a log, the order a
 * consumer received records, the order workers finished them).
 */

export interface SequencedEvent {
  readonly entity: string;
  readonly seq: number;
}

export function eventValue(entity: string, seq: number): string {
  return `${entity}:${seq}`;
}

export function parseEvent(value: string): SequencedEvent {
  const at = value.lastIndexOf(':');
  return { entity: value.slice(0, at), seq: Number(value.slice(at + 1)) };
}

export interface OrderReport {
  readonly events: number;
  /** Events seen after a later event of the same entity. */
  readonly violations: number;
  /** Events seen more than once (a repeat is not counted as a violation). */
  readonly duplicates: number;
}

export function checkEntityOrder(events: readonly SequencedEvent[]): OrderReport {
  const highest = new Map<string, number>();
  const seen = new Set<string>();
  let violations = 0;
  let duplicates = 0;
  for (const { entity, seq } of events) {
    const id = eventValue(entity, seq);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    const top = highest.get(entity) ?? -1;
    if (seq < top) violations++;
    else highest.set(entity, seq);
  }
  return { events: events.length, violations, duplicates };
}

/** Global order: events seen after an event that was produced later (seq counts globally here). */
export function checkGlobalOrder(seqs: readonly number[]): number {
  let top = -1;
  let violations = 0;
  for (const seq of seqs) {
    if (seq < top) violations++;
    else top = seq;
  }
  return violations;
}
