import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { editYaml } from "./config-edit";
import { appendToList, removeFromList } from "./hs-edit";

const odd = `# top comment   with   odd spacing
server_name:    "example.org"    # where we live
listeners:
    -   port: 8008     # four-space indent, odd gaps
        type:   http
        resources:
            - names: [client,federation]

# ---- the bit below is hand-tuned ----
database:
  name:   psycopg2
  args: { user: synapse,   password: "p w" }

federation_sender_instances:
- sender1
# trailing comment
`;

describe("editYaml", () => {
  it("returns the text unchanged when the edit changes nothing", () => {
    expect(editYaml(odd, () => {})).toBe(odd);
  });

  it("keeps comments and untouched lines byte-identical", () => {
    const out = editYaml(odd, (doc) => doc.setIn(["enable_media_repo"], false));
    expect(out.startsWith(odd.trimEnd())).toBe(true);
    expect(out.endsWith("enable_media_repo: false\n")).toBe(true);
  });

  it("rewrites only the edited key and leaves every line outside it as it was", () => {
    const out = editYaml(odd, (doc) => appendToList(doc, ["federation_sender_instances"], "sender2"));
    const outside = (t: string) => t.split("\n").filter((l) => !/^- sender|^federation_sender_instances/.test(l));
    expect(outside(out)).toEqual(outside(odd));
    expect(parse(out).federation_sender_instances).toEqual(["sender1", "sender2"]);
    expect(out).toContain("federation_sender_instances:\n- sender1\n- sender2\n");
  });

  it("round-trips an add and a remove back to the original bytes", () => {
    const added = editYaml(odd, (doc) => {
      appendToList(doc, ["stream_writers", "typing"], "typing_writer1", true);
      doc.setIn(["instance_map", "typing_writer1"], doc.createNode({ host: "typing-writer1", port: 9094 }));
    });
    expect(parse(added).stream_writers).toEqual({ typing: ["typing_writer1"] });
    const removed = editYaml(added, (doc) => {
      removeFromList(doc, ["stream_writers", "typing"], "typing_writer1");
      doc.deleteIn(["instance_map"]);
    });
    expect(removed).toBe(odd);
  });

  it("drops the comment lines attached to a removed key, and no others", () => {
    const out = editYaml(odd, (doc) => doc.delete("database"));
    expect(out).not.toContain("hand-tuned");
    expect(out).toContain("# top comment   with   odd spacing");
    expect(out).toContain("# trailing comment");
    expect(out).not.toMatch(/\n\n\n/);
  });

  it("keeps comments inside an edited block", () => {
    const out = editYaml(odd, (doc) => doc.setIn(["listeners", 0, "port"], 8080));
    expect(out).toContain("# four-space indent, odd gaps");
    expect(out).toContain("# top comment   with   odd spacing\nserver_name:    \"example.org\"    # where we live\n");
    expect(parse(out).listeners[0].port).toBe(8080);
  });

  it("edits an empty file", () => {
    expect(parse(editYaml("", (doc) => doc.set("a", 1)))).toEqual({ a: 1 });
  });
});
