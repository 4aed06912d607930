import { describe, expect, it } from "vitest";
import { FrameDemuxer, RawDecoder } from "./log-frames";

function frame(stream: 1 | 2 | 3, text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const TS1 = "2026-11-26T18:00:00.000000001Z";
const TS2 = "2026-11-26T18:00:00.000000002Z";

describe("FrameDemuxer", () => {
  it("hands the engine's own error frames (type 3) to onSystem and never shows them as the process's lines, however the bytes are cut", () => {
    const bytes = Buffer.concat([
      frame(1, `${TS1} before\n`),
      frame(3, "Error grabbing logs: rpc error: code = Unknown desc = node xyz is not available\n"),
      frame(1, `${TS2} after\n`),
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const said: string[] = [];
      const d = new FrameDemuxer(true, (m) => said.push(m));
      const lines = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(lines.map((l) => l.text)).toEqual(["before", "after"]);
      expect(said).toEqual(["Error grabbing logs: rpc error: code = Unknown desc = node xyz is not available"]);
    }
    expect(new FrameDemuxer().push(bytes).map((l) => l.text)).toEqual(["before", "after"]);
  });

  it("splits stdout and stderr frames into lines with the engine's ts", () => {
    const d = new FrameDemuxer();
    const lines = d.push(Buffer.concat([frame(1, `${TS1} hello\n`), frame(2, `${TS2} oops\n`)]));
    expect(lines).toEqual([
      { ts: TS1, stream: "stdout", text: "hello" },
      { ts: TS2, stream: "stderr", text: "oops" },
    ]);
  });

  it("gives the same lines however the bytes are cut, multi-byte characters and headers included", () => {
    const bytes = Buffer.concat([frame(1, `${TS1} žluťoučký kůň 🐎\n${TS1} second\n`), frame(2, `${TS2} err\n`), frame(1, `${TS2} last\n`)]);
    const whole = new FrameDemuxer().push(bytes);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDemuxer();
      expect([...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))]).toEqual(whole);
    }
    for (let size = 1; size <= 7; size++) {
      const d = new FrameDemuxer();
      const out = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
      expect(out).toEqual(whole);
    }
    expect(whole.map((l) => l.text)).toEqual(["žluťoučký kůň 🐎", "second", "err", "last"]);
  });

  it("joins a line split over frames and hands out a last line without newline at the end", () => {
    const d = new FrameDemuxer();
    expect(d.push(Buffer.concat([frame(1, `${TS1} first half `), frame(1, "second half\n"), frame(1, `${TS2} tail`)]))).toEqual([
      { ts: TS1, stream: "stdout", text: "first half second half" },
    ]);
    expect(d.end()).toEqual([{ ts: TS2, stream: "stdout", text: "tail" }]);
  });
});

describe("RawDecoder (TTY)", () => {
  it("reads unframed bytes as stdout and drops the TTY's carriage returns", () => {
    const d = new RawDecoder();
    expect(d.push(Buffer.from(`${TS1} a\r\n${TS2} b\r\n`))).toEqual([
      { ts: TS1, stream: "stdout", text: "a" },
      { ts: TS2, stream: "stdout", text: "b" },
    ]);
  });
});
