/** Timing helpers shared by the benchmarks: repeated runs, percentiles and a side-by-side table. */

/** Latency percentiles of one measured operation, in milliseconds. */
export interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly samples: number;
}

/** Runs `operation` `warmup` times unmeasured, then `rounds` times measured. */
export async function measure(operation: () => Promise<unknown>, rounds: number, warmup = 3): Promise<Latency> {
  for (let index = 0; index < warmup; index += 1) await operation();
  const samples: number[] = [];
  for (let index = 0; index < rounds; index += 1) {
    const started = process.hrtime.bigint();
    await operation();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), samples: samples.length };
}

/** The `fraction` percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil(fraction * sorted.length) - 1);
  return sorted[rank] ?? Number.NaN;
}

/** Prints rows as an aligned text table. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** A number of milliseconds with one decimal. */
export function ms(value: number): string {
  return value.toFixed(1);
}
