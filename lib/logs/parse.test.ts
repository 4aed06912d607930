import { describe, expect, it } from "vitest";
import { ansiSegments, isContinuation, levelRank, parseLogLine, sliceSegments, stripAnsi } from "./parse";

const access =
  '2026-11-26 18:09:20,805 - synapse.access.http.8009 - 643 - INFO - GET-26 - 172.19.0.1 - 8009 - {None} Processed request: 0.001sec/0.000sec 1482B 200 "GET /_matrix/client/versions HTTP/1.1" "curl/7.88.1" [0 dbevts]';

describe("parseLogLine", () => {
  it("reads time, logger, line number, level, request id and message of a Synapse line", () => {
    expect(parseLogLine(access)).toEqual({
      time: "2026-11-26 18:09:20,805",
      logger: "synapse.access.http.8009",
      lineno: 643,
      level: "INFO",
      request: "GET-26",
      message: expect.stringMatching(/^172\.19\.0\.1 - 8009 - \{None\} Processed request/),
    });
  });

  it("keeps ' - ' inside the message", () => {
    expect(parseLogLine(access)?.message).toContain(" - 8009 - ");
  });

  it("treats the sentinel request as no request", () => {
    const p = parseLogLine("2026-11-26 18:07:48,519 - synapse.util.caches.lrucache - 220 - INFO - sentinel - Dropped 0 items from caches");
    expect(p?.request).toBeNull();
    expect(p?.message).toBe("Dropped 0 items from caches");
  });

  it("reads every level", () => {
    for (const level of ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]) {
      expect(parseLogLine(`2026-01-01 00:00:00,000 - x - 1 - ${level} - sentinel - m`)?.level).toBe(level);
    }
  });

  it("reads a line coloured with ANSI codes", () => {
    const p = parseLogLine("\x1b[32m2026-01-01 00:00:00,000\x1b[0m - synapse.app - 12 - \x1b[1;31mERROR\x1b[0m - POST-3 - boom");
    expect(p).toMatchObject({ level: "ERROR", request: "POST-3", message: "boom" });
  });

  it("an empty message is still a record", () => {
    expect(parseLogLine("2026-01-01 00:00:00,000 - x - 1 - INFO - GET-1 - ")?.message).toBe("");
  });
});

describe("continuations", () => {
  it("stack trace lines and free text continue the record before them", () => {
    expect(isContinuation("Traceback (most recent call last):")).toBe(true);
    expect(isContinuation('  File "/usr/local/lib/python3.11/site-packages/synapse/app.py", line 3, in run')).toBe(true);
    expect(isContinuation("twisted.internet.error.ConnectionRefusedError: Connection was refused")).toBe(true);
    expect(isContinuation("")).toBe(true);
    expect(isContinuation(access)).toBe(false);
  });

  it("agrees with parseLogLine on every kind of line", () => {
    const lines = [
      access,
      "2026-01-01 00:00:00,000 - x - 1 - INFO - GET-1 - ",
      "2026-01-01 00:00:00,000 - x - 1 - INFO - GET-1 -",
      "2026-01-01 00:00:00 - x - 1 - WARNING - sentinel - no milliseconds",
      "2026-01-01 00:00:00.123456 - x - 1 - CRITICAL - sentinel - dot and microseconds",
      "2026-01-01 00:00:00,000 - x - 1 - NOTICE - GET-1 - not a Synapse level",
      "2026-01-01 00:00:00,000 - x - one - INFO - GET-1 - no line number",
      "2026-01-01 00:00:00,000 x - 1 - INFO - GET-1 - a separator missing",
      "\x1b[32m2026-01-01 00:00:00,000\x1b[0m - synapse.app - 12 - \x1b[1;31mERROR\x1b[0m - POST-3 - boom",
      "  2026-01-01 00:00:00,000 - x - 1 - INFO - GET-1 - indented",
      "Traceback (most recent call last):",
      "",
    ];
    for (const l of lines) expect(isContinuation(l), l).toBe(parseLogLine(l) === null);
  });
});

describe("levels", () => {
  it("orders levels from DEBUG to CRITICAL", () => {
    expect(levelRank("DEBUG")).toBeLessThan(levelRank("INFO"));
    expect(levelRank("WARNING")).toBeLessThan(levelRank("ERROR"));
    expect(levelRank("ERROR")).toBeLessThan(levelRank("CRITICAL"));
  });
});

describe("ANSI colours", () => {
  it("strips escape codes, including cursor moves and OSC titles", () => {
    expect(stripAnsi("\x1b[31mred\x1b[0m \x1b[2Kplain \x1b]0;title\x07end")).toBe("red plain end");
    expect(stripAnsi("no codes")).toBe("no codes");
  });

  it("splits a line into coloured runs", () => {
    expect(ansiSegments("a\x1b[31mb\x1b[1;92mc\x1b[22md\x1b[0me")).toEqual([
      { text: "a", color: null, bold: false },
      { text: "b", color: "red", bold: false },
      { text: "c", color: "bright-green", bold: true },
      { text: "d", color: "bright-green", bold: false },
      { text: "e", color: null, bold: false },
    ]);
  });

  it("skips 256-colour codes without misreading their arguments", () => {
    expect(ansiSegments("\x1b[38;5;31mx\x1b[39my")).toEqual([{ text: "xy", color: null, bold: false }]);
  });

  it("a plain line is one run; an empty one none", () => {
    expect(ansiSegments("plain")).toEqual([{ text: "plain", color: null, bold: false }]);
    expect(ansiSegments("")).toEqual([]);
  });

  it("slices runs from a character offset of their joined text", () => {
    const segs = ansiSegments("head \x1b[33mmessage\x1b[0m tail");
    expect(sliceSegments(segs, 7).map((s) => s.text).join("")).toBe("ssage tail");
    expect(sliceSegments(segs, 7)[0]).toMatchObject({ color: "yellow" });
  });
});
