// The worker-pool model of `ordering`: seeded, so a seed always gives the same finishing order; a
// shared pool breaks per-key order, a worker per partition or per key keeps it.
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../../src/client/index.js';
import { partitionForKey } from '../../../src/client/index.js';
import { checkEntityOrder, eventValue, parseEvent } from '../../../src/scenarios/ordering-checks.js';
import { processInParallel, seededRandom } from '../../../src/scenarios/worker-pools.js';

/** Keyed events as a consumer of 3 partitions receives them: each key's events in order. */
function records(count: number, entities: number): ConsumedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const entity = `entity-${i % entities}`;
    const key = Buffer.from(entity);
    return { topic: 't', partition: partitionForKey(key, 3), offset: i, key, value: Buffer.from(eventValue(entity, Math.floor(i / entities))), timestamp: 0, headers: [] } as unknown as ConsumedRecord;
  });
}

const violations = (finished: readonly ConsumedRecord[]) => checkEntityOrder(finished.map((r) => parseEvent(r.value!.toString()))).violations;

describe('worker-pool model', () => {
  const input = records(300, 10);

  it('is repeatable: one seed, one finishing order', () => {
    const a = processInParallel(input, 8, 'shared-pool', 10, 7).map((r) => r.offset);
    const b = processInParallel(input, 8, 'shared-pool', 10, 7).map((r) => r.offset);
    expect(a).toEqual(b);
    expect(processInParallel(input, 8, 'shared-pool', 10, 8).map((r) => r.offset)).not.toEqual(a);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('finishes every record once, whatever the routing', () => {
    for (const routing of ['shared-pool', 'worker-per-partition', 'worker-per-key'] as const) {
      expect(processInParallel(input, 8, routing, 10, 3).map((r) => r.offset).sort((x, y) => x - y)).toEqual(input.map((r) => r.offset));
    }
  });

  it('breaks per-key order with a shared pool and keeps it with a worker per partition or per key', () => {
    expect(violations(processInParallel(input, 8, 'shared-pool', 10, 20_240_601))).toBeGreaterThan(0);
    expect(violations(processInParallel(input, 3, 'worker-per-partition', 10, 20_240_601))).toBe(0);
    expect(violations(processInParallel(input, 8, 'worker-per-key', 10, 20_240_601))).toBe(0);
  });

  it('is judged by the order check, which catches a pool that reorders a key', () => {
    const inOrder = processInParallel(input, 8, 'worker-per-key', 10, 1);
    const swapped = [...inOrder];
    const i = swapped.findIndex((r) => r.key!.toString() === 'entity-0');
    const j = swapped.findIndex((r, k) => k > i && r.key!.toString() === 'entity-0');
    [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
    expect(violations(swapped)).toBe(1);
  });
});
