/**
 * How long this process's event loop could not run. On a shared 2-core machine the loop can be held up for tens of
 * milliseconds: by the operating system (another process had the CPU), by the garbage collector, or by the other cases
 * the world runs at the same time. No timer can fire then, so a call cannot end on time, and the world does not count
 * such a stall against the client: its verdict must not depend on how busy the machine is. A 1 ms ticker samples the
 * clock; a gap between ticks longer than 1 ms is a stall.
 */
const KEPT = 8_192;
/**
 * A gap longer than the ticker's own 1 ms is a stall, counted beyond that 1 ms. As small as it can be: a process
 * starved of CPU (a loaded machine, or a `nice` soak run beside other work) runs its loop in slices a millisecond or
 * two apart, and those gaps add up to the time a call's timer could not fire.
 */
const STALL_MS = 1;

export class PauseMeter {
  private readonly at = new Float64Array(KEPT);
  private count = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    this.timer = setInterval(() => this.sample(), 1);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.at[this.count % KEPT] = performance.now();
    this.count++;
  }

  /** Milliseconds between `from` and `to` (performance.now() times) during which the event loop was stalled. */
  pausedBetween(from: number, to: number): number {
    let stalled = 0;
    const first = Math.max(0, this.count - KEPT);
    for (let n = first + 1; n < this.count; n++) {
      const start = this.at[(n - 1) % KEPT] as number;
      const end = this.at[n % KEPT] as number;
      if (end <= from || start >= to) continue;
      const gap = end - start;
      // Only the part of the gap inside [from, to], less the ticker's own 1 ms.
      if (gap > STALL_MS) stalled += Math.max(0, Math.min(end, to) - Math.max(start, from) - 1);
    }
    return stalled;
  }
}
