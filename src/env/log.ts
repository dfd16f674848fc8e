import type { Log } from './env.js';

/**
 * Lines on stderr. A node of a distributed cluster stamps each line with the time (`stamp`), so
 * the logs of its processes can be read side by side after a failover.
 */
export class ConsoleLog implements Log {
  constructor(private readonly prefix = 'strata', private readonly stamp?: () => string) {}
  info(message: string): void {
    this.write(message);
  }
  warn(message: string): void {
    this.write(`warning: ${message}`);
  }
  error(message: string): void {
    this.write(`error: ${message}`);
  }
  private write(message: string): void {
    process.stderr.write(`${this.stamp === undefined ? '' : `${this.stamp()} `}${this.prefix}: ${message}\n`);
  }
}

export class SilentLog implements Log {
  info(): void {}
  warn(): void {}
  error(): void {}
}
