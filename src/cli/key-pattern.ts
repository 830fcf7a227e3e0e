/**
 * Key and value patterns for generated records: `user-{i%100}` gives user-0 ... user-99 and
 * around again. Placeholders: {i} (the record's index from 0), {i%N}, {i/N} (integer division).
 * A pattern is checked once up front, so a typo fails before anything is sent.
 */

import { usageError } from './errors.js';

type Part = string | ((i: number) => string);

export function compilePattern(pattern: string): (i: number) => string {
  const parts: Part[] = [];
  const placeholder = /\{([^}]*)\}/g;
  let last = 0;
  for (let m = placeholder.exec(pattern); m !== null; m = placeholder.exec(pattern)) {
    parts.push(pattern.slice(last, m.index));
    parts.push(compilePlaceholder(m[1]!.replace(/\s+/g, ''), pattern));
    last = m.index + m[0].length;
  }
  parts.push(pattern.slice(last));
  return (i) => parts.map((p) => (typeof p === 'string' ? p : p(i))).join('');
}

function compilePlaceholder(expression: string, pattern: string): (i: number) => string {
  if (expression === 'i') return (i) => String(i);
  const match = /^i([%/])(\d+)$/.exec(expression);
  const n = match ? Number(match[2]) : 0;
  if (!match || n <= 0) {
    throw usageError(`bad placeholder {${expression}} in "${pattern}": use {i}, {i%N} or {i/N} with N > 0`);
  }
  return match[1] === '%' ? (i) => String(i % n) : (i) => String(Math.floor(i / n));
}

/** A value of exactly `sizeBytes` bytes that still says which record it is. */
export function sizedValue(i: number, sizeBytes: number): string {
  const label = `value-${i}-`;
  if (label.length >= sizeBytes) return label.slice(0, sizeBytes);
  return label + 'x'.repeat(sizeBytes - label.length);
}
