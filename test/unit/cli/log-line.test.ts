import { describe, expect, it } from 'vitest';
import { formatLogLine, levelNumber } from '../../../src/cli/render/log-line.js';

const at = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();

describe('log line formatting', () => {
  it('shows time, level, node, topic-partition, message, then the other fields', () => {
    const raw = JSON.stringify({ level: 40, time: at, pid: 9, hostname: 'h', node: 2, topic: 'orders', partition: 3, msg: 'ISR shrunk', isr: [1, 2], reason: 'lag too high' });
    expect(formatLogLine(raw, { colour: false })).toBe('03:04:05.067 WARN  node 2 orders-3 ISR shrunk isr=[1,2] reason="lag too high"');
  });

  it('fills in the node for lines without one and keeps error stacks', () => {
    const raw = JSON.stringify({ level: 50, time: at, msg: 'boom', err: { message: 'bad', stack: 'Error: bad\n  at x' } });
    const text = formatLogLine(raw, { colour: false, nodeFallback: 4 });
    expect(text.split('\n')[0]).toBe('03:04:05.067 ERROR node 4 boom err="bad"');
    expect(text).toContain('\n    Error: bad\n      at x');
  });

  it('passes lines that are not JSON through unchanged', () => {
    expect(formatLogLine('Segmentation fault', { colour: false })).toBe('Segmentation fault');
    expect(formatLogLine('{broken', { colour: false })).toBe('{broken');
  });

  it('colours levels only when asked', () => {
    const raw = JSON.stringify({ level: 50, time: at, msg: 'x' });
    expect(formatLogLine(raw, { colour: true })).toMatch(/\u001b\[31mERROR/);
    expect(formatLogLine(raw, { colour: false })).not.toMatch(/\u001b/);
  });

  it('knows pino level names', () => {
    expect(levelNumber('warn')).toBe(40);
    expect(levelNumber('nope')).toBeUndefined();
  });
});
