import { describe, expect, it } from 'vitest';
import { checkHistory, unavailability } from '../../../src/check/index.js';
import { judgeChaosRun, type RunSettings } from '../../../src/chaos/verdict.js';
import { ack, finalPartition, history, poll, recs } from '../check/history-builder.js';

const ACKS_ALL: RunSettings = { acks: 'all', idempotent: true, minInsync: 2 };
const ACKS_ONE: RunSettings = { acks: 1, idempotent: false, minInsync: 2 };
const faults = { injected: 3, skipped: 0 };

function judge(h: ReturnType<typeof history>, settings: RunSettings) {
  const report = checkHistory(h);
  return judgeChaosRun(report, unavailability(h.sends, 0, 1_000, 250), faults, settings);
}

describe('chaos verdict', () => {
  const clean = history([ack('p', 0, ['a', 'b'], 0), ack('p', 0, ['c'], 2)], [poll('r', 0, recs(0, 'a', 'b', 'c'))], [finalPartition(0, recs(0, 'a', 'b', 'c'))]);
  // The leader acknowledged c at offset 2, then failed before its followers copied it; x took its place.
  const lost = history([ack('p', 0, ['a', 'b'], 0), ack('p', 0, ['c'], 2, 1), ack('q', 0, ['x'], 2, 1)], [], [finalPartition(0, recs(0, 'a', 'b', 'x'))]);

  it('holds on a clean run', () => {
    const verdict = judge(clean, ACKS_ALL);
    expect(verdict.holds).toBe(true);
    expect(verdict.violations).toEqual([]);
    expect(verdict.rows.find(([label]) => label === 'values acknowledged')?.[1]).toBe('3');
  });

  it('fails acks=all on a lost acknowledged write', () => {
    const verdict = judge(lost, ACKS_ALL);
    expect(verdict.holds).toBe(false);
    expect(verdict.violations.join('\n')).toMatch(/1 acknowledged values lost \(acks=all\)/);
  });

  it('reports the same loss under acks=1 as the risk taken, not a failure, and says so', () => {
    const verdict = judge(lost, ACKS_ONE);
    expect(verdict.holds).toBe(true);
    expect(verdict.notes.join('\n')).toMatch(/acks=1 lost 1 acknowledged values/);
  });

  it('says when acks=1 found no loss', () => {
    expect(judge(clean, ACKS_ONE).notes.join('\n')).toMatch(/acks=1 lost nothing this time/);
  });

  it('fails any setting on a dirty read', () => {
    const dirty = history([ack('p', 0, ['a'], 0)], [poll('r', 0, recs(0, 'a')), poll('r', 0, recs(1, 'ghost'))], [finalPartition(0, recs(0, 'a'))]);
    for (const settings of [ACKS_ALL, ACKS_ONE]) {
      const verdict = judge(dirty, settings);
      expect(verdict.holds).toBe(false);
      expect(verdict.violations.join('\n')).toMatch(/dirty reads/);
    }
  });

  it('fails duplicates only with the idempotent producer', () => {
    const twice = history([ack('p', 0, ['a'], 0), ack('p', 0, ['b'], 2)], [], [finalPartition(0, recs(0, 'a', 'a', 'b'))]);
    expect(judge(twice, ACKS_ALL).violations.join('\n')).toMatch(/duplicated values despite the idempotent producer/);
    const notIdempotent = judge(twice, { ...ACKS_ALL, idempotent: false });
    expect(notIdempotent.holds).toBe(true);
    expect(notIdempotent.notes.join('\n')).toMatch(/written twice/);
  });

  it('fails a run whose partitions could not be read back', () => {
    const unread = history([ack('p', 0, ['a'], 0)], [], []);
    expect(judge(unread, ACKS_ALL).violations.join('\n')).toMatch(/1 partitions that could not be read back/);
  });
});
