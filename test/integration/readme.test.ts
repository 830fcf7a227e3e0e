import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

/** The commands of the README's "Quick start" shell block, comments dropped. */
function quickStartCommands(): string[] {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

describe('the README', () => {
  it('shows the integration-test example that readme-example.test.ts runs, verbatim', () => {
    const source = readFileSync(join(import.meta.dirname, 'readme-example.test.ts'), 'utf8');
    const start = '// --- README example start ---\n';
    const example = source.slice(source.indexOf(start) + start.length, source.indexOf('// --- README example end ---'));
    expect(example.length).toBeGreaterThan(200);
    expect(readme).toContain('```ts\n' + example + '```');
  });

  describe('quick start, run verbatim against a detached cluster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brokerlab-readme-'));
    const env = { ...process.env, BROKERLAB_DIR: dir };
    const brokerlab = (args: string[]) => run(process.execPath, [cli, ...args], { env, cwd: root, timeout: 90_000 });

    afterAll(async () => {
      await brokerlab(['down', '--purge']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('every command succeeds', async () => {
      const commands = quickStartCommands();
      expect(commands[0]).toMatch(/^npx brokerlab topics create/);
      expect(commands.at(-1)).toMatch(/^npx brokerlab down/);
      await brokerlab(['up', '--detach', '--kafka-port-base', '0']);
      const outputs: string[] = [];
      for (const command of commands) {
        const words = command.split(/\s+/);
        expect(words.slice(0, 2)).toEqual(['npx', 'brokerlab']);
        // The shell would strip the quotes around patterns such as 'user-{i%100}'.
        const args = words.slice(2).map((w) => w.replace(/^'(.*)'$/, '$1'));
        const { stdout } = await brokerlab(args);
        outputs.push(stdout);
      }
      const consumed = outputs[commands.findIndex((c) => c.includes(' consume '))]!;
      expect(consumed.trim().split("\n").filter((line) => /^orders-\d+@\d+ /.test(line))).toHaveLength(5);
    }, 240_000);
  });
});
