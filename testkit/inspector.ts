/**
 * Heap and RSS after a full GC in another process, through its inspector (the process was
 * started with `--inspect=127.0.0.1:0`): no debug endpoint in the product, no `--expose-gc`.
 */
import WebSocket from 'ws';

export interface Memory {
  heapUsed: number;
  rss: number;
}

export class Inspector {
  private seq = 0;
  private readonly waiting = new Map<number, (r: any) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg);
    });
  }

  static connect(url: string): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new Inspector(ws)));
      ws.once('error', reject);
    });
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${method}: no answer in 60 s`)), 60_000);
      this.waiting.set(id, (msg) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (msg.error) reject(new Error(`inspector ${method}: ${JSON.stringify(msg.error)}`));
        else resolve(msg.result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second picks up what finalizers of the first released), then usage. */
  async memoryAfterGc(): Promise<Memory> {
    await this.call('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 200));
    await this.call('HeapProfiler.collectGarbage');
    const r = await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = JSON.parse(r.result.value as string) as { heapUsed: number; rss: number };
    return { heapUsed: usage.heapUsed, rss: usage.rss };
  }

  /** Starts the sampling CPU profiler (for --profile). */
  async startProfile(): Promise<void> {
    await this.call('Profiler.enable');
    await this.call('Profiler.setSamplingInterval', { interval: 200 });
    await this.call('Profiler.start');
  }

  /** Stops it and returns the profile as a .cpuprofile JSON text (Chrome DevTools / speedscope). */
  async stopProfile(): Promise<string> {
    const r = await this.call('Profiler.stop');
    return JSON.stringify(r.profile);
  }

  close(): void {
    this.ws.close();
  }
}

/** The inspector URL a process printed on stderr ("Debugger listening on ws://..."). */
export const INSPECTOR_LINE = /Debugger listening on (ws:\/\/\S+)/;
