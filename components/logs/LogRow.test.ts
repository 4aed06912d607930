import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { entryPlainText, LogRow } from "./LogRow";
import { LogEntry } from "./logStore";

const TEXT = "2026-12-01 10:00:00,000 - synapse.federation.sender - 100 - INFO - fed-1 - sent a transaction";

function row(e: LogEntry): string {
  return renderToStaticMarkup(createElement(LogRow, { entry: e, lines: 1, top: 0, wrap: false, rowIndex: 1, copied: false, onRequest: () => {}, onCopy: () => {} }));
}

describe("a log row's node", () => {
  it("shows the Swarm node beside the worker name, and indents the message past it", () => {
    const html = row(new LogEntry("line", "2026-12-01T10:00:00.000000000Z", "federation_sender1", "stdout", TEXT, "node3"));
    expect(html).toMatch(/title="federation_sender1">[^<]*<\/span><span role="cell" data-node="node3"[^>]*title="on Swarm node node3">node3 *<\/span>/);
    expect(html).toContain("padding-left:calc(49ch + 0.5rem)");
  });

  it("has no node cell outside a swarm, and the old indent", () => {
    const html = row(new LogEntry("line", "2026-12-01T10:00:00.000000000Z", "main", "stdout", TEXT));
    expect(html).not.toContain("data-node");
    expect(html).toContain("padding-left:calc(41ch + 0.5rem)");
  });

  it("puts the node in copied and downloaded text", () => {
    expect(entryPlainText(new LogEntry("line", "T", "federation_sender1", "stdout", "hello", "node3"))).toBe("T federation_sender1@node3 hello");
    expect(entryPlainText(new LogEntry("line", "T", "main", "stdout", "hello"))).toBe("T main hello");
  });
});
