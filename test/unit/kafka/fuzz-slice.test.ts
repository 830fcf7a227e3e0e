/**
 * A short slice of the Kafka listener fuzzer (`npm run fuzz` runs a million inputs): random and
 * mutated requests of every API and version, dispatched directly and over a real socket, must
 * never crash, hang, or answer with a malformed response. A failure prints the seed and each
 * distinct crash with its input in hex (replay: `node dist/test/fuzz/main.js --replay <hex>`).
 */
import { describe, expect, it } from 'vitest';
import { fuzz, fuzzTargets } from '../../fuzz/kafka-fuzz.js';

const SEED = 20_241_025;
const ITERATIONS = 20_000;

describe('Kafka listener fuzzing (short slice)', () => {
  it('covers every API with a codec, served versions and refused ones', () => {
    const { served, refused } = fuzzTargets();
    expect(new Set(served.map((t) => t.apiKey)).size).toBeGreaterThanOrEqual(20);
    expect(served.some((t) => t.apiKey === 18 && t.version === 3)).toBe(true);
    expect(refused.some((t) => t.apiKey === 18 && t.version === 4)).toBe(true);
  });

  it(`${ITERATIONS} random and mutated inputs: no crash, no hang, no malformed answer`, async () => {
    const result = await fuzz({ iterations: ITERATIONS, seed: SEED, socketFraction: 0.02, rebuildEvery: 10_000 });
    const report = result.crashes.map((c) => `${c.kind} x${c.count} at iteration ${c.iteration} (${c.target}, ${c.how})\n  input: ${c.inputHex}\n  ${c.error}`).join('\n\n');
    expect(result.crashCount, `seed ${SEED}:\n${report}`).toBe(0);
    // The slice did exercise every lane and outcome.
    expect(result.direct.answered).toBeGreaterThan(ITERATIONS / 10);
    expect(result.direct.rejected).toBeGreaterThan(ITERATIONS / 10);
    expect(result.socket.inputs).toBeGreaterThan(50);
    expect(result.socket.answered).toBeGreaterThan(0);
    expect(result.socket.closed).toBeGreaterThan(0);
  });
});
