/**
 * Terminal styling: ANSI colours only when writing to a terminal (and NO_COLOR is unset), so
 * piped output stays plain text.
 */

export interface Style {
  readonly colour: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

function wrap(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function createStyle(colour: boolean): Style {
  return {
    colour,
    bold: wrap(colour, 1, 22),
    dim: wrap(colour, 2, 22),
    red: wrap(colour, 31, 39),
    green: wrap(colour, 32, 39),
    yellow: wrap(colour, 33, 39),
    cyan: wrap(colour, 36, 39),
    magenta: wrap(colour, 35, 39),
  };
}

export function wantsColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

export function visibleWidth(text: string): number {
  return stripAnsi(text).length;
}

/** Left-aligned columns; widths ignore colour codes. */
export function table(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell) + gap)))
      .join('')
      .trimEnd(),
  );
}
