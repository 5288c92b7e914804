/**
 * How long the operating system kept this process off the CPU. On a shared machine a process can be paused for tens of
 * milliseconds; a call cannot end on time while its process is not running, so the world does not count such a pause
 * against the client. A 1 ms ticker samples the wall clock and the process's CPU time: a gap between ticks is time the
 * event loop could not run, and the part of it not spent computing is time the process was paused.
 */
const KEPT = 8_192;

export class PauseMeter {
  private readonly at = new Float64Array(KEPT);
  private readonly cpu = new Float64Array(KEPT);
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
    const usage = process.cpuUsage();
    const i = this.count % KEPT;
    this.at[i] = performance.now();
    this.cpu[i] = (usage.user + usage.system) / 1_000;
    this.count++;
  }

  /** Milliseconds between `from` and `to` (performance.now() times) that the process spent paused. */
  pausedBetween(from: number, to: number): number {
    let paused = 0;
    const first = Math.max(0, this.count - KEPT);
    for (let n = first + 1; n < this.count; n++) {
      const a = (n - 1) % KEPT;
      const b = n % KEPT;
      const start = this.at[a] as number;
      const end = this.at[b] as number;
      if (end <= from || start >= to) continue;
      const gap = end - start;
      // The ticker's own 1 ms, and whatever the process computed meanwhile, are not a pause.
      if (gap > 5) paused += Math.max(0, gap - 1 - ((this.cpu[b] as number) - (this.cpu[a] as number)));
    }
    return paused;
  }
}
