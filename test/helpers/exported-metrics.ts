/**
 * Which series names our processes export, and which ones a PromQL query reads: for the tests
 * that keep the dashboard and the alerting rules in step with the code.
 */
import { createApiMetrics } from '../../core/metrics';
import { TEMPORAL_SDK_METRIC_FAMILIES, WORKER_METRICS, exposedName } from '../../worker/metrics';
import { metricFamilies } from './promtool';

/** Series names a family of `type` is queried by (a histogram by its _bucket, _sum and _count). */
function seriesOf(family: string, type: string): string[] {
  return type === 'histogram' || type === 'summary' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`, family] : [family];
}

/** Series names served on an exposition (e.g. the text of a live /metrics). */
export function seriesInExposition(exposition: string): Set<string> {
  return new Set([...metricFamilies(exposition)].flatMap(([family, type]) => seriesOf(family, type)));
}

/**
 * Everything the API's /metrics serves (read from a fresh registry, so every family it defines,
 * default process metrics included) and everything the worker's serves: our job metrics as
 * worker/metrics.ts declares them and the SDK's families we rely on (each checked against a
 * live worker by test/integration/observability/worker-metrics.test.ts).
 */
export async function exportedSeries(): Promise<{ api: Set<string>; worker: Set<string> }> {
  const api = seriesInExposition(await createApiMetrics().registry.metrics());
  const worker = new Set([
    ...Object.values(WORKER_METRICS).flatMap((definition) => seriesOf(exposedName(definition), definition.kind)),
    ...Object.entries(TEMPORAL_SDK_METRIC_FAMILIES).flatMap(([family, type]) => seriesOf(family, type)),
  ]);
  return { api, worker };
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression (or a Grafana `label_values(metric, label)`) reads. */
export function metricNamesIn(expression: string): string[] {
  const labelValues = /^\s*label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(expression);
  if (labelValues) return [labelValues[1]!];
  const text = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)) {
    const rest = text.slice((match.index ?? 0) + match[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** Grafana's variables replaced by what they stand for, so promtool can parse the query. */
export function withGrafanaVariables(expression: string): string {
  return expression.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$technique/g, '.*');
}
