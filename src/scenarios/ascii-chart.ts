/**
 * A chart for a terminal: one line per time step, each series a column with its value and a bar
 * scaled to the series' own maximum (rates and a backlog do not share a unit).
 */

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

const BAR_WIDTH = 18;

export function renderChart(stepLabel: (index: number) => string, series: readonly Series[], barWidth = BAR_WIDTH): string[] {
  const steps = Math.max(0, ...series.map((s) => s.values.length));
  const numberWidth = Math.max(5, ...series.flatMap((s) => s.values.map((v) => Math.round(v).toString().length)));
  const columnWidth = numberWidth + 1 + barWidth;
  const labelWidth = Math.max(4, ...Array.from({ length: steps }, (_, i) => stepLabel(i).length));
  const header = `${'time'.padStart(labelWidth)} │ ${series.map((s) => s.label.padEnd(columnWidth)).join(' │ ')}`;
  const lines = [header, `${'─'.repeat(labelWidth)}─┼─${series.map(() => '─'.repeat(columnWidth)).join('─┼─')}`];
  const maxima = series.map((s) => Math.max(1, ...s.values));
  for (let i = 0; i < steps; i++) {
    const cells = series.map((s, k) => {
      const value = s.values[i] ?? 0;
      const bar = '█'.repeat(Math.round((value / maxima[k]!) * barWidth));
      return `${Math.round(value).toString().padStart(numberWidth)} ${bar.padEnd(barWidth)}`;
    });
    lines.push(`${stepLabel(i).padStart(labelWidth)} │ ${cells.join(' │ ')}`);
  }
  return lines;
}
