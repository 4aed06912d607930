import { NextRequest } from "next/server";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import { GET as mergedLogs } from "@/app/api/logs/route";
import { GET as workerLogs } from "@/app/api/workers/[name]/logs/route";

/** Calls the log routes' handlers directly, as the server would, with a bearer token. */
export function callWorkerLogs(token: string, name: string, query: string, init: { signal?: AbortSignal; lastEventId?: string } = {}): Promise<Response> {
  const req = new NextRequest(`http://fleet.local/api/workers/${encodeURIComponent(name)}/logs?${query}`, { headers: headers(token, init.lastEventId), signal: init.signal });
  return workerLogs(req, { params: Promise.resolve({ name }) });
}

export function callMergedLogs(token: string, query: string, init: { signal?: AbortSignal; lastEventId?: string } = {}): Promise<Response> {
  const req = new NextRequest(`http://fleet.local/api/logs?${query}`, { headers: headers(token, init.lastEventId), signal: init.signal });
  return mergedLogs(req, { params: Promise.resolve({}) });
}

function headers(token: string, lastEventId?: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) };
}

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads an SSE response as it arrives: everything received so far, and the last id. */
export class SseReader {
  readonly events: SseEvent[] = [];
  lastId: string | undefined;
  private buf = "";
  readonly finished: Promise<void>;

  constructor(res: Response) {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    this.finished = (async () => {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch {
          return;
        }
        if (r.done) return;
        this.buf += decoder.decode(r.value, { stream: true });
        let end: number;
        while ((end = this.buf.indexOf("\n\n")) >= 0) {
          const block = this.buf.slice(0, end);
          this.buf = this.buf.slice(end + 2);
          const e: Partial<SseEvent> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) e.event = line.slice(7);
            else if (line.startsWith("id: ")) e.id = line.slice(4);
            else if (line.startsWith("data: ")) e.data = JSON.parse(line.slice(6));
          }
          if (!e.event) continue;
          if (e.id) this.lastId = e.id;
          this.events.push(e as SseEvent);
        }
      }
    })();
  }

  lines(): LogLine[] {
    return this.events.filter((e) => e.event === "lines").flatMap((e) => (e.data as { lines: LogLine[] }).lines);
  }

  statuses(): LogStatus[] {
    return this.events.filter((e) => e.event === "status").map((e) => e.data as LogStatus);
  }
}
