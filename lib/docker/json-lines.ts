import "server-only";

/** Calls `fn` with each JSON object of a newline-delimited stream (the engine's events and stats). */
export function onJsonLines(stream: NodeJS.ReadableStream, fn: (value: unknown) => void): void {
  let buf = "";
  stream.on("data", (chunk: Buffer) => {
    buf += chunk.toString("utf8");
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a torn or foreign line: the next one follows
      }
      fn(value);
    }
  });
}
