"use client";

import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorSelection, EditorState, type Text } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { useEffect, useRef } from "react";
import { newSchemeCompartment, schemeExtension, usePrefersDark, yamlBasics } from "./codemirror-setup";

/** A finding's place and words, as the editor marks it (1-based lines and columns). */
export interface EditorMarker {
  level: "error" | "warning";
  rule?: string;
  message: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export interface JumpTarget {
  line: number;
  column: number;
  /** Bumped on every click, so a second click on one finding jumps again. */
  seq: number;
}

/** A 1-based line and column as a document offset, clamped into the document. */
function offsetOf(doc: Text, line: number | undefined, column: number | undefined): number {
  const l = doc.line(Math.min(Math.max(1, line ?? 1), doc.lines));
  return Math.min(l.from + Math.max(0, (column ?? 1) - 1), l.to);
}

export function toDiagnostics(doc: Text, markers: EditorMarker[]): Diagnostic[] {
  return markers.map((m) => {
    const from = offsetOf(doc, m.line, m.column);
    let to = offsetOf(doc, m.endLine ?? m.line, m.endColumn ?? m.column);
    // An empty range still gets its squiggle: to the end of the line, or one character.
    if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
    return { from, to: Math.max(to, from), severity: m.level, source: m.rule, message: m.message };
  });
}

/**
 * The YAML editor: CodeMirror with lint markers from the findings it is given, Ctrl/Cmd-S
 * calling onSave, and the theme following the system. Its document is its own once created:
 * to load other content, remount it (a new `key`).
 */
export default function ConfigEditor({
  path,
  initialContent,
  readOnly,
  markers,
  jump,
  onChange,
  onSave,
}: {
  path: string;
  initialContent: string;
  readOnly: boolean;
  markers: EditorMarker[];
  jump: JumpTarget | null;
  onChange: (text: string) => void;
  onSave: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const scheme = useRef(newSchemeCompartment());
  const dark = usePrefersDark();
  // The latest callbacks, read by CodeMirror's listeners, which are built once.
  const callbacks = useRef({ onChange, onSave });
  useEffect(() => {
    callbacks.current = { onChange, onSave };
  }, [onChange, onSave]);

  // Read once, when the editor is built: new content or a new file remounts it (see above).
  const initial = useRef({ path, initialContent, readOnly });

  useEffect(() => {
    if (!host.current) return;
    const { path, initialContent, readOnly } = initial.current;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialContent,
        extensions: [
          keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (callbacks.current.onSave(), true) }]),
          yamlBasics(`${readOnly ? "Contents of" : "Edit"} ${path}`, readOnly),
          lintGutter(),
          scheme.current.of(schemeExtension(window.matchMedia("(prefers-color-scheme: dark)").matches)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: scheme.current.reconfigure(schemeExtension(dark)) });
  }, [dark]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, toDiagnostics(v.state.doc, markers)));
  }, [markers]);

  useEffect(() => {
    const v = view.current;
    if (!v || !jump) return;
    const at = offsetOf(v.state.doc, jump.line, jump.column);
    v.dispatch({ selection: EditorSelection.cursor(at), effects: EditorView.scrollIntoView(at, { y: "center" }) });
    v.focus();
  }, [jump]);

  return <div ref={host} data-testid="config-editor" className="h-full min-h-0 overflow-hidden" />;
}
