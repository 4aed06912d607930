/**
 * Decoding the engine's log byte stream into lines, purely (no I/O, unit-tested).
 * Non-TTY containers multiplex stdout and stderr in frames with an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload size); TTY containers send raw bytes.
 * With `timestamps: true` every line starts with "<RFC 3339 nano> ".
 */

export type DockerStream = "stdout" | "stderr";

export interface RawLogLine {
  ts: string;
  stream: DockerStream;
  text: string;
}

const NEWLINE = 0x0a;

/**
 * Splits one stream's bytes into lines at any chunk boundary. Cuts on the newline byte, which
 * never occurs inside a UTF-8 sequence, and decodes each run of whole lines with one toString.
 */
export class LineSplitter {
  private rest: Buffer | null = null;
  /** Ts of the last line: a continuation without its own prefix (a very long line cut by the engine) inherits it. */
  private lastTs = "";

  constructor(
    private readonly stream: DockerStream,
    private readonly timestamps = true,
  ) {}

  push(parts: Buffer[], out: RawLogLine[]): void {
    let buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (this.rest) {
      buf = Buffer.concat([this.rest, buf]);
      this.rest = null;
    }
    const end = buf.lastIndexOf(NEWLINE);
    if (end < 0) {
      this.rest = buf;
      return;
    }
    if (end < buf.length - 1) this.rest = Buffer.from(buf.subarray(end + 1));
    const text = buf.toString("utf8", 0, end);
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      this.emit(nl < 0 ? text.slice(start) : text.slice(start, nl), out);
      if (nl < 0) break;
      start = nl + 1;
    }
  }

  /** The last line when the stream ends without a newline. */
  flush(out: RawLogLine[]): void {
    if (!this.rest || this.rest.length === 0) return;
    const text = this.rest.toString("utf8");
    this.rest = null;
    this.emit(text, out);
  }

  private emit(line: string, out: RawLogLine[]): void {
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF from TTYs
    if (this.timestamps && hasTimestampPrefix(line)) {
      const sp = line.indexOf(" ");
      const ts = sp < 0 ? line : line.slice(0, sp);
      this.lastTs = ts;
      out.push({ ts, stream: this.stream, text: sp < 0 ? "" : line.slice(sp + 1) });
    } else {
      out.push({ ts: this.lastTs, stream: this.stream, text: line });
    }
  }
}

/** "2026-11-26T18:09:26.289670199Z …": checked by character positions, no regex on the hot path. */
function hasTimestampPrefix(line: string): boolean {
  return line.length >= 20 && line.charCodeAt(4) === 45 /* - */ && line.charCodeAt(10) === 84 /* T */ && line.charCodeAt(13) === 58 /* : */;
}

/** Frame type 3: the engine's own error about the stream (a Swarm log stream's "node … is not available"), not a process line. */
const SYSTEM_ERR = 3;

/** Reassembles the 8-byte-header frames of a non-TTY log stream, across chunk boundaries. */
export class FrameDemuxer {
  private pending: Buffer | null = null;
  private readonly splitters: Record<1 | 2, LineSplitter>;

  /** `onSystem` hears the engine's own error frames, one message each; without it they are dropped, never shown as the process's lines. */
  constructor(
    timestamps = true,
    private readonly onSystem?: (message: string) => void,
  ) {
    this.splitters = { 1: new LineSplitter("stdout", timestamps), 2: new LineSplitter("stderr", timestamps) };
  }

  /** Decodes one chunk; returns the whole lines it completed. */
  push(chunk: Buffer): RawLogLine[] {
    const out: RawLogLine[] = [];
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    // Consecutive payloads of one stream are handed to its splitter together: one decode per run.
    let run: Buffer[] = [];
    let runStream: 1 | 2 = 1;
    let pos = 0;
    while (buf.length - pos >= 8) {
      const type = buf[pos];
      const size = buf.readUInt32BE(pos + 4);
      if (buf.length - pos - 8 < size) break;
      if (type === SYSTEM_ERR) {
        const message = buf.toString("utf8", pos + 8, pos + 8 + Math.min(size, 4096)).trim();
        if (message) this.onSystem?.(message);
        pos += 8 + size;
        continue;
      }
      const stream: 1 | 2 = type === 2 ? 2 : 1; // 0 (stdin) and 1 are shown as stdout
      if (run.length > 0 && stream !== runStream) {
        this.splitters[runStream].push(run, out);
        run = [];
      }
      runStream = stream;
      run.push(buf.subarray(pos + 8, pos + 8 + size));
      pos += 8 + size;
    }
    if (run.length > 0) this.splitters[runStream].push(run, out);
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
    return out;
  }

  end(): RawLogLine[] {
    const out: RawLogLine[] = [];
    this.splitters[1].flush(out);
    this.splitters[2].flush(out);
    return out;
  }
}

/** A TTY container's raw stream: everything is stdout. */
export class RawDecoder {
  private readonly splitter: LineSplitter;
  constructor(timestamps = true) {
    this.splitter = new LineSplitter("stdout", timestamps);
  }
  push(chunk: Buffer): RawLogLine[] {
    const out: RawLogLine[] = [];
    this.splitter.push([chunk], out);
    return out;
  }
  end(): RawLogLine[] {
    const out: RawLogLine[] = [];
    this.splitter.flush(out);
    return out;
  }
}
