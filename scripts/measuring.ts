/** What the scripts that measure calls (bench, load) share: calls kept a number in flight, and quantiles of timings. */

/** Runs `task(0)` … `task(count - 1)`, each once and started in that order, with at most `width` running at a time. */
export async function runInFlight(count: number, width: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) await task(index);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** The value below which a share `q` of `values` lies (`NaN` for no values): 0.5 is the median. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
