/**
 * Debian's chromium driven over a bare DevTools pipe, for measuring pages the way an operator
 * runs them. Playwright enables the DevTools Network domain on every page it drives; Chromium then
 * copies each Server-Sent Event, data and all, to the driver (Network.eventSourceMessageReceived),
 * which for a log stream of tens of MB/s costs the browser and the driver about as much CPU as the
 * page itself. Here nothing is enabled but what a measurement asks for: Runtime for reading the
 * page, Profiler/HeapProfiler/Performance when asked.
 *
 * Protocol over `--remote-debugging-pipe`: JSON messages separated by NUL, commands on fd 3,
 * replies and events on fd 4; pages are reached through flattened target sessions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { makeTempDir, onCleanup, sleep } from "./lib";

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  method: string;
}

export interface BarePage {
  /** A DevTools command in this page's session. */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Navigates and waits until the document has loaded. */
  goto(url: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export class BareChromium {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private exited = false;
  private listeners = new Map<string, Set<(params: Record<string, unknown>, sessionId?: string) => void>>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
  ) {}

  static async launch(args: string[], viewport: { width: number; height: number }): Promise<BareChromium> {
    const profile = makeTempDir("chromium-profile");
    const child = spawn(
      "/usr/bin/chromium",
      ["--headless=new", "--remote-debugging-pipe", `--user-data-dir=${profile}`, `--window-size=${viewport.width},${viewport.height}`, ...args, "about:blank"],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    const stderr: string[] = [];
    child.stderr!.on("data", (b: Buffer) => stderr.push(b.toString()) > 50 && stderr.shift());
    const browser = new BareChromium(child, child.stdio[3] as Writable);
    child.once("exit", (code) => {
      browser.exited = true;
      for (const p of browser.pending.values()) p.reject(new Error(`chromium exited (${code}) during ${p.method}: ${stderr.join("").slice(-500)}`));
      browser.pending.clear();
    });
    onCleanup(`chromium (pid ${child.pid})`, () => browser.close());
    browser.read(child.stdio[4] as Readable);
    await browser.call("Browser.getVersion");
    return browser;
  }

  private read(out: Readable) {
    let buf = "";
    out.setEncoding("utf8");
    out.on("data", (s: string) => {
      buf += s;
      let end: number;
      while ((end = buf.indexOf("\0")) >= 0) {
        const msg = JSON.parse(buf.slice(0, end)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
        buf = buf.slice(end + 1);
        if (msg.id === undefined) {
          for (const fn of this.listeners.get(msg.method ?? "") ?? []) fn(msg.params ?? {}, msg.sessionId);
          continue;
        }
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result);
      }
    });
  }

  /** A browser-level command, or one in a target's session. */
  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`chromium has exited (${method})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });
  }

  /** Listens to a DevTools event (only those of domains someone enabled arrive). Returns the unsubscribe. */
  on(method: string, fn: (params: Record<string, unknown>, sessionId?: string) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Sets cookies for every page of this browser (e.g. a signed-in session). */
  async setCookies(cookies: Array<{ name: string; value: string; url: string; httpOnly?: boolean }>): Promise<void> {
    await this.call("Storage.setCookies", { cookies });
  }

  async newPage(): Promise<BarePage> {
    const { targetId } = await this.call<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.call<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
    const send = <T>(method: string, params: Record<string, unknown> = {}) => this.call<T>(method, params, sessionId);
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = await send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
      if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    };
    return {
      send,
      evaluate,
      async goto(url, timeoutMs = 60_000) {
        await send("Page.navigate", { url });
        const until = Date.now() + timeoutMs;
        for (;;) {
          const state = await evaluate<{ href: string; ready: string }>("({ href: location.href, ready: document.readyState })").catch(() => null);
          if (state && state.href !== "about:blank" && state.ready === "complete") return;
          if (Date.now() > until) throw new Error(`${url} did not load within ${timeoutMs} ms`);
          await sleep(100);
        }
      },
      close: async () => {
        await this.call("Target.closeTarget", { targetId }).catch(() => undefined);
      },
    };
  }

  /** Closes the browser and waits for it to exit (its profile folder can then be removed). */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
    void this.call("Browser.close").catch(() => undefined);
    await Promise.race([exited, sleep(5000)]);
    if (!this.exited) {
      this.child.kill("SIGKILL");
      await Promise.race([exited, sleep(2000)]);
    }
  }
}
