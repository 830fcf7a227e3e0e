/**
 * Which external client tools are installed, and a `describe` that says so loudly: a suite whose
 * tool is missing FAILS under CI (process.env.CI set) and is skipped, with the install command in
 * its title, on a developer machine. Suites also skip when the node is not built, as the other
 * process suites do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { nodeBuilt, SKIP_REASON } from '../../support/cluster-helpers.js';

export interface ToolCheck {
  readonly available: boolean;
  /** Why it is not available, with the command that installs it. */
  readonly missing: string;
}

/** kcat from the Debian package (librdkafka inside); CI installs it in .ci/run. */
export const KCAT = '/usr/bin/kcat';

/**
 * The system interpreter, which Debian's python3-kafka belongs to; a pyenv or venv `python3`
 * earlier on PATH does not see it.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export function kcatCheck(): ToolCheck {
  const missing = 'kcat is not installed: apt-get install -y kcat';
  if (!existsSync(KCAT)) return { available: false, missing };
  const probe = spawnSync(KCAT, ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return { available: false, missing: `${missing} (${KCAT} -V failed: ${probe.error?.message ?? probe.stderr})` };
  return { available: true, missing: '' };
}

export function kafkaPythonCheck(): ToolCheck {
  const missing = `kafka-python is not installed for ${SYSTEM_PYTHON}: apt-get install -y python3-kafka`;
  if (!existsSync(SYSTEM_PYTHON)) return { available: false, missing: `${missing} (no ${SYSTEM_PYTHON}: apt-get install -y python3)` };
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import kafka'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status !== 0) return { available: false, missing: `${missing} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})` };
  return { available: true, missing: '' };
}

/** The tool's version line, for failure messages and the compatibility table. */
export function toolVersion(command: string, args: readonly string[], pattern: RegExp): string {
  const probe = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return `${probe.stdout}${probe.stderr}`.match(pattern)?.[0] ?? 'unknown';
}

/**
 * `describe(title, body)` when the node is built and the tool is installed. A missing tool is a
 * failing test under CI and a skipped suite (the reason in its title) elsewhere.
 */
export function describeWithTool(title: string, tool: ToolCheck, body: () => void): void {
  if (!nodeBuilt) {
    describe.skip(`${title} (${SKIP_REASON})`, body);
    return;
  }
  if (tool.available) {
    describe(title, body);
    return;
  }
  const ci = process.env['CI'];
  if (ci && ci !== 'false' && ci !== '0') {
    describe(title, () => {
      it(`needs its client: ${tool.missing}`, () => {
        throw new Error(tool.missing);
      });
    });
    return;
  }
  console.warn(`[interop] SKIPPED ${title}: ${tool.missing} (under CI this fails)`);
  describe.skip(`${title} (SKIPPED: ${tool.missing})`, body);
}
