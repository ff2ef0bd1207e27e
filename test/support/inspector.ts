import WebSocket from 'ws';

interface ScriptParsed {
  scriptId: string;
  url: string;
}

export interface PausedEvent {
  reason: string;
  hitBreakpoints?: string[];
  callFrames: { functionName: string; url: string; location: { scriptId: string; lineNumber: number } }[];
}

type Listener = (params: unknown) => void;

/**
 * A minimal Chrome DevTools protocol client for Node's inspector (what an editor's debugger does
 * when it attaches): enable the debugger, find a loaded script, set a breakpoint, wait for a pause.
 */
export class InspectorClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly listeners = new Map<string, Set<Listener>>();
  readonly scripts: ScriptParsed[] = [];

  private constructor(private readonly socket: WebSocket) {
    // The process went away (a reload): what it had not answered never will be.
    socket.on('close', () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error('the inspector closed'));
      this.pending.clear();
    });
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: unknown;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(message.error.message));
        else waiting?.resolve(message.result);
      } else if (message.method) {
        if (message.method === 'Debugger.scriptParsed') this.scripts.push(message.params as ScriptParsed);
        for (const listener of this.listeners.get(message.method) ?? []) listener(message.params);
      }
    });
  }

  static async connect(url: string): Promise<InspectorClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new InspectorClient(socket);
    await client.send('Runtime.enable');
    await client.send('Debugger.enable');
    return client;
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  waitFor<T>(method: string, timeoutMs = 30_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listeners = this.listeners.get(method) ?? new Set<Listener>();
      this.listeners.set(method, listeners);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener: Listener = (params) => {
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(params as T);
      };
      listeners.add(listener);
    });
  }

  /** The loaded script whose URL (a path or file:// URL) ends with `suffix`. */
  script(suffix: string): ScriptParsed {
    const found = this.scripts.find((script) => script.url.endsWith(suffix));
    if (!found) throw new Error(`no script ending with ${suffix} is loaded`);
    return found;
  }

  /** The URL of a paused frame (CallFrame.url is deprecated and empty on recent V8). */
  urlOf(frame: PausedEvent['callFrames'][number]): string {
    return this.scripts.find((script) => script.scriptId === frame.location.scriptId)?.url ?? '';
  }

  /**
   * Sets a breakpoint on the first statement after the line matching `pattern` in the loaded
   * script ending with `suffix` (the compiled code; an editor maps it from the .ts through the
   * inline source map). Returns the breakpoint id and its 0-based line.
   */
  async breakAfter(suffix: string, pattern: RegExp): Promise<{ breakpointId: string; lineNumber: number }> {
    const { scriptId } = this.script(suffix);
    const { scriptSource } = await this.send<{ scriptSource: string }>('Debugger.getScriptSource', {
      scriptId,
    });
    const line = scriptSource.split('\n').findIndex((text) => pattern.test(text));
    if (line === -1) throw new Error(`${pattern} not found in ${suffix}`);
    const result = await this.send<{ breakpointId: string; actualLocation: { lineNumber: number } }>(
      'Debugger.setBreakpoint',
      { location: { scriptId, lineNumber: line + 1 } },
    );
    return { breakpointId: result.breakpointId, lineNumber: result.actualLocation.lineNumber };
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What an editor does to attach by port: list the targets on `127.0.0.1:<port>`, connect to the
 * first, `Runtime.evaluate` process.pid. Gives the inspected process's pid, its entry URL and the
 * time the whole attach took.
 */
export async function attachTo(port: number): Promise<{ pid: number; url: string; ms: number }> {
  const started = Date.now();
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
    url: string;
  }>;
  const client = await InspectorClient.connect(target.webSocketDebuggerUrl);
  try {
    const { result } = await client.send<{ result: { value: number } }>('Runtime.evaluate', {
      expression: 'process.pid',
      returnByValue: true,
    });
    return { pid: result.value, url: target.url, ms: Date.now() - started };
  } finally {
    client.close();
  }
}
