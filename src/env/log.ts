import type { Log } from './env.js';

export class ConsoleLog implements Log {
  constructor(private readonly prefix = 'strata') {}
  info(message: string): void {
    process.stderr.write(`${this.prefix}: ${message}\n`);
  }
  warn(message: string): void {
    process.stderr.write(`${this.prefix}: warning: ${message}\n`);
  }
  error(message: string): void {
    process.stderr.write(`${this.prefix}: error: ${message}\n`);
  }
}

export class SilentLog implements Log {
  info(): void {}
  warn(): void {}
  error(): void {}
}
