/**
 * What every scenario shares: its name and the cluster it wants, the context it runs in (a cluster,
 * a scale, somewhere to print) and the result it returns. A scenario prints what it measured and
 * returns the figures with a verdict, so the CLI can exit non-zero and tests can assert the lesson.
 */
import type { LocalCluster, StartClusterOptions } from '../../cluster/index.js';

/** `small` shortens durations and counts (for tests and busy machines); `full` is the lesson at size. */
export type Scale = 'small' | 'full';

export type Print = (line?: string) => void;

export interface ScenarioContext {
  readonly cluster: LocalCluster;
  readonly scale: Scale;
  readonly print: Print;
  /** True when the scenario runs on a cluster it started itself (and will stop). */
  readonly temporary: boolean;
  /** A topic name no earlier run on this cluster used, so runs against one cluster never collide. */
  topicName(base: string): string;
}

export interface ScenarioResult {
  /** Whether the lesson held: what it claims was measured. */
  readonly holds: boolean;
  /** One line per claim checked, saying what was expected and what was seen. */
  readonly checks: readonly CheckedClaim[];
}

export interface CheckedClaim {
  readonly claim: string;
  readonly holds: boolean;
}

export interface Scenario<R extends ScenarioResult = ScenarioResult> {
  readonly name: string;
  /** One line for `brokerlab scenario --help`. */
  readonly summary: string;
  /** The temporary cluster it starts when not given one. */
  readonly cluster: StartClusterOptions;
  run(context: ScenarioContext): Promise<R>;
}

/** Builds a result from the claims checked: it holds only if every claim does. */
export function verdict(checks: readonly CheckedClaim[]): ScenarioResult {
  return { holds: checks.every((c) => c.holds), checks };
}

export function claim(text: string, holds: boolean): CheckedClaim {
  return { claim: text, holds };
}
