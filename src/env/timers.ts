import type { TimerHandle, Timers } from '../contracts/time.js';

export class SystemTimers implements Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = setTimeout(callback, delayMs);
    id.unref?.();
    return { id };
  }
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle.id as NodeJS.Timeout);
  }
  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    const id = setInterval(callback, intervalMs);
    id.unref?.();
    return { id };
  }
  clearInterval(handle: TimerHandle): void {
    clearInterval(handle.id as NodeJS.Timeout);
  }
  setImmediate(callback: () => void): void {
    setImmediate(callback);
  }
}
