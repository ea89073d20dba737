/**
 * The terminal belongs to the CLI: core code reports progress through callbacks and this turns them into one
 * rewritten stderr line when stderr is a TTY, and into nothing otherwise (CI logs stay clean).
 */
export class ProgressReporter {
  private lastWrite = 0;
  private dirty = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  update(line: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastWrite < 100) return;
    this.lastWrite = now;
    this.dirty = true;
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r${line.slice(0, Math.max(10, width - 1)).padEnd(Math.max(10, width - 1))}`);
  }

  done(): void {
    if (this.dirty) this.stream.write('\r\x1b[K');
    this.dirty = false;
  }
}
