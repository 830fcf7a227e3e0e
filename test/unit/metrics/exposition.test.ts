// The reader of Prometheus's text format that `brokerlab metrics` and the metrics tests use.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition } from '../../../cluster/metrics/exposition.js';
import { histogramQuantile, sumOf } from '../../../cluster/metrics/queries.js';

describe('parsing the text exposition format', () => {
  it('reads HELP, TYPE, labels with escapes, special values and timestamps', () => {
    const text = [
      '# HELP kafka_server_brokertopicmetrics_messagesin_total Records appended.\\nTwo lines.',
      '# TYPE kafka_server_brokertopicmetrics_messagesin_total counter',
      'kafka_server_brokertopicmetrics_messagesin_total{topic="orders",node="1"} 42',
      'kafka_server_brokertopicmetrics_messagesin_total{topic="we\\"ird\\\\name\\n",node="1",} 7 1700000000000',
      '# a free comment',
      '',
      'up 1',
      'nan_metric Nan',
      'bucket{le="+Inf"} +Inf',
      'neg -Inf',
      'sci 1.5e3',
    ].join('\n');
    const { samples, types, help } = parseExposition(text);
    expect(types.get('kafka_server_brokertopicmetrics_messagesin_total')).toBe('counter');
    expect(help.get('kafka_server_brokertopicmetrics_messagesin_total')).toBe('Records appended.\nTwo lines.');
    expect(samples[0]).toEqual({ name: 'kafka_server_brokertopicmetrics_messagesin_total', labels: { topic: 'orders', node: '1' }, value: 42 });
    expect(samples[1]).toEqual({
      name: 'kafka_server_brokertopicmetrics_messagesin_total',
      labels: { topic: 'we"ird\\name\n', node: '1' },
      value: 7,
      timestampMs: 1700000000000,
    });
    expect(samples[2]).toEqual({ name: 'up', labels: {}, value: 1 });
    expect(samples[3]!.value).toBeNaN();
    expect(samples[4]).toEqual({ name: 'bucket', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY });
    expect(samples[5]!.value).toBe(Number.NEGATIVE_INFINITY);
    expect(samples[6]!.value).toBe(1500);
  });

  it('refuses malformed lines, naming the line', () => {
    expect(() => parseExposition('ok 1\n{topic="x"} 1')).toThrow(ExpositionParseError);
    expect(() => parseExposition('m{topic="x} 1')).toThrow(/line 1: unterminated label value/);
    expect(() => parseExposition('m{topic=x} 1')).toThrow(/quoted value/);
    expect(() => parseExposition('m{topic="x"}')).toThrow(/expected a value/);
    expect(() => parseExposition('m{topic="x"} one')).toThrow(/bad value one/);
    expect(() => parseExposition('m 1 2 3')).toThrow(/optional timestamp/);
    expect(() => parseExposition('m{t="\\q"} 1')).toThrow(/bad escape/);
  });

  it("reads back what prom-client writes, histograms included", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ node: '3' });
    const counter = new Counter({ name: 'requests_total', help: 'h', labelNames: ['request'], registers: [registry] });
    counter.inc({ request: 'Produce' }, 5);
    const histogram = new Histogram({ name: 'time_ms', help: 'h', labelNames: ['request'], buckets: [1, 10, 100], registers: [registry] });
    for (const v of [0.5, 5, 5, 50]) histogram.observe({ request: 'Fetch' }, v);
    const { samples, types } = parseExposition(await registry.metrics());
    expect(types.get('time_ms')).toBe('histogram');
    expect(sumOf(samples, 'requests_total', { request: 'Produce' })).toBe(5);
    expect(sumOf(samples, 'requests_total', { request: 'Fetch' })).toBeUndefined();
    expect(sumOf(samples, 'time_ms_count', { node: '3' })).toBe(4);
    expect(samples.find((s) => s.name === 'time_ms_bucket' && s.labels['le'] === '+Inf')?.value).toBe(4);
  });
});

describe('histogram quantiles', () => {
  const bucket = (le: string, value: number, request = 'Fetch') => ({ name: 'time_ms_bucket', labels: { le, request }, value });

  it('interpolates inside the bucket holding the rank, as histogram_quantile does', () => {
    const samples = [bucket('10', 50), bucket('100', 90), bucket('1000', 100), bucket('+Inf', 100)];
    expect(histogramQuantile(samples, 'time_ms', 0.5)).toBe(10);
    expect(histogramQuantile(samples, 'time_ms', 0.7)).toBeCloseTo(10 + 90 * (20 / 40));
    expect(histogramQuantile(samples, 'time_ms', 0.99)).toBeCloseTo(100 + 900 * 0.9);
    expect(histogramQuantile(samples, 'time_ms', 0.25)).toBe(5);
  });

  it('adds up the buckets of every matching series, and has no answer without observations', () => {
    const samples = [bucket('10', 1), bucket('+Inf', 1), bucket('10', 0, 'Produce'), bucket('+Inf', 3, 'Produce')];
    expect(histogramQuantile(samples, 'time_ms', 0.5)).toBe(10); // rank 2 of 4 is in the +Inf bucket: the largest finite bound
    expect(histogramQuantile(samples, 'time_ms', 0.5, { request: 'Fetch' })).toBe(5);
    expect(histogramQuantile([bucket('10', 0), bucket('+Inf', 0)], 'time_ms', 0.99)).toBeUndefined();
  });
});
