import type { ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

/**
 * Bookkeeping shared by every child process the testkit starts: captured output, bounded
 * waits, stop (SIGTERM, then SIGKILL after a bound), and a last-resort kill on exit so that no
 * redis-server or backend outlives the test file that started it, even when a test forgets
 * its `after` hook or the file crashes.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; kill() is. The node:test runner turns SIGINT/SIGTERM
  // of a test file into process.exit(), which lands here too.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function track(child: ChildProcess): void {
  installExitHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** How many tracked children are still running (tests can assert 0 at the end). */
export function liveChildren(): number {
  return live.size;
}

/** SIGKILLs every tracked child and waits for them to exit. For `after` hooks as a safety net. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, { signal: 'SIGKILL', timeoutMs: 5000 })));
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export interface StopOptions {
  /** First signal to send (default SIGTERM). */
  signal?: NodeJS.Signals;
  /** How long to wait after the first signal before SIGKILL (default 10 s). */
  timeoutMs?: number;
}

/** Sends `signal`, waits up to `timeoutMs`, then SIGKILLs; resolves with how the child ended. */
export async function stopChild(child: ChildProcess, opts: StopOptions = {}): Promise<ExitStatus & { forced: boolean }> {
  const { signal = 'SIGTERM', timeoutMs = 10_000 } = opts;
  if (hasExited(child)) return { ...(await exited(child)), forced: false };
  const done = exited(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    done.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!timedOut) return { ...(await done), forced: false };
  child.kill('SIGKILL');
  return { ...(await done), forced: true };
}

interface LogWaiter {
  regex: RegExp;
  resolve: (m: RegExpMatchArray) => void;
}

/**
 * Captures a child's stdout and stderr (interleaved, colour codes stripped, the last
 * `maxChars` kept) and lets callers wait for a line matching a pattern.
 */
export class LogCapture {
  private buffer = '';
  private dropped = 0;
  private pending = '';
  private readonly waiters = new Set<LogWaiter>();

  constructor(
    readonly name: string,
    private readonly maxChars = 2_000_000,
  ) {}

  attach(child: ChildProcess): void {
    const onData = (chunk: Buffer) => this.append(chunk.toString('utf8'));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  private append(raw: string): void {
    // Without terminal colour codes (Nest colours its logs unless NO_COLOR is set).
    const text = stripVTControlCharacters(raw);
    this.buffer += text;
    if (this.buffer.length > this.maxChars) {
      const cut = this.buffer.length - this.maxChars;
      this.buffer = this.buffer.slice(cut);
      this.dropped += cut;
    }
    // Match whole lines only, so a pattern never sees half a line.
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.check(line);
  }

  private check(line: string): void {
    for (const waiter of [...this.waiters]) {
      const m = line.match(waiter.regex);
      if (m) {
        this.waiters.delete(waiter);
        waiter.resolve(m);
      }
    }
  }

  /** Everything captured so far (minus what was dropped to stay under `maxChars`). */
  text(): string {
    return (this.dropped > 0 ? `[... ${this.dropped} chars dropped ...]\n` : '') + this.buffer;
  }

  /** The last `n` lines, for error messages. */
  tail(n = 60): string {
    return this.buffer.split('\n').slice(-n).join('\n');
  }

  /** Lines captured so far that match `regex`. */
  lines(regex: RegExp): string[] {
    return this.buffer.split('\n').filter((l) => regex.test(l));
  }

  /**
   * Resolves with the first line matching `regex` (already captured lines count), rejects
   * after `timeoutMs` or when `abort` rejects first (e.g. the process exited).
   */
  waitFor(regex: RegExp, timeoutMs: number, abort?: Promise<never>): Promise<RegExpMatchArray> {
    for (const line of this.buffer.split('\n')) {
      const m = line.match(regex);
      if (m) return Promise.resolve(m);
    }
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const waiter: LogWaiter = {
        regex,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name}: no line matching ${regex} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
      abort?.catch((error: unknown) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(error);
      });
    });
  }
}
