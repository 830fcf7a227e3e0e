/**
 * Parsers for option and argument values. Each throws commander's InvalidArgumentError, so a bad
 * value fails as `error: option '--nodes <n>' argument '0' is invalid. ...` before any work.
 */
import { InvalidArgumentError } from 'commander';

export function integerParser(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw new InvalidArgumentError(`Expected ${range}.`);
    }
    return n;
  };
}

export const parseNodeId = integerParser(1, 1_000_000);

/** A comma-separated list of node ids, e.g. `1,2`. */
export function parseNodeList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new InvalidArgumentError('Expected node ids separated by commas, e.g. 1,2.');
  return [...new Set(parts.map(parseNodeId))];
}
export const parsePositive = integerParser(1);
export const parseNonNegative = integerParser(0);

export function parseProfile(value: string): 'fast' | 'kafka' {
  if (value !== 'fast' && value !== 'kafka') throw new InvalidArgumentError('Expected fast or kafka.');
  return value;
}

export type Acks = 0 | 1 | -1;

/** 0, 1, all (or -1). */
export function parseAcks(value: string): Acks {
  if (value === '0') return 0;
  if (value === '1') return 1;
  if (value === 'all' || value === '-1') return -1;
  throw new InvalidArgumentError('Expected 0, 1 or all.');
}

/** Repeatable `--config key=value`: collects into a list. */
export function collectAssignment(value: string, previous: string[] = []): string[] {
  if (!/^[^=\s]+=/.test(value)) throw new InvalidArgumentError('Expected key=value.');
  return [...previous, value];
}

/** `--watch [ms]`: a bare flag means the default interval. */
export function parseInterval(value: string): number {
  return integerParser(50, 3_600_000)(value);
}
