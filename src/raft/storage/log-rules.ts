/**
 * Rules both storages enforce on the log they keep, so the memory and file implementations cannot
 * drift apart: appends are contiguous and never leave a gap, and a snapshot keeps only the entries
 * that follow it and agree with it.
 */
import { assert } from '../../common/errors.js';
import type { Entry, Snapshot } from '../types.js';

/**
 * Checks an append against a log holding [firstIndex, lastIndex] (lastIndex = firstIndex - 1 when
 * empty): the batch must be contiguous, must not start inside the snapshot, and must not leave a gap.
 */
export function checkAppendable(entries: readonly Entry[], firstIndex: number, lastIndex: number): void {
  const first = entries[0]!.index;
  assert(first >= firstIndex, `append at ${first} reaches into the snapshot (log starts at ${firstIndex})`);
  assert(first <= lastIndex + 1, `append at ${first} would leave a gap after ${lastIndex}`);
  for (let i = 1; i < entries.length; i++) {
    assert(entries[i]!.index === first + i, `appended entries are not contiguous at ${first + i}`);
  }
}

/**
 * How many leading entries of a log (starting at `firstIndex`, with these `terms`) a snapshot
 * discards. The entries after the snapshot survive only if the log agrees with the snapshot at
 * its index; a log that disagrees, is too short, or leaves a gap is a stale branch and goes whole.
 * Afterwards the log always starts at `meta.index + 1`.
 */
export function entriesDiscardedBySnapshot(firstIndex: number, terms: readonly number[], meta: { index: number; term: number }): number {
  if (terms.length === 0 || firstIndex === meta.index + 1) return 0;
  const at = meta.index - firstIndex;
  if (at >= 0 && at < terms.length && terms[at] === meta.term) return at + 1;
  return terms.length;
}

/** The entries that survive a snapshot (see `entriesDiscardedBySnapshot`). */
export function entriesAfterSnapshot(entries: readonly Entry[], snapshot: Snapshot): Entry[] {
  const firstIndex = entries[0]?.index ?? snapshot.meta.index + 1;
  const discarded = entriesDiscardedBySnapshot(firstIndex, entries.map((e) => e.term), snapshot.meta);
  return entries.slice(discarded);
}
