/**
 * A violated invariant found by the simulation. The message names the invariant, the seed and the
 * virtual time, and says how to replay the run.
 */
export class SimulationFailure extends Error {
  constructor(
    readonly invariant: string,
    readonly seed: number,
    readonly timeMs: number,
    readonly detail: string,
    readonly nodes: number,
  ) {
    super(
      `${invariant} violated at t=${timeMs}ms, seed=${seed}: ${detail}\n` +
        `replay: npm run build && npm run sim -- raft --seed ${seed} --nodes ${nodes}`,
    );
    this.name = 'SimulationFailure';
  }
}

/** Where a check is made: enough to raise a failure that can be replayed. */
export interface FailureContext {
  readonly seed: number;
  readonly nodes: number;
  now(): number;
}

export function fail(context: FailureContext, invariant: string, detail: string): never {
  throw new SimulationFailure(invariant, context.seed, context.now(), detail, context.nodes);
}
