"use client";

// The config editors' shared CodeMirror setup: YAML, history, search, and a light and a dark
// look that follow the system like the rest of the console (Tailwind's `dark:` is
// prefers-color-scheme). Imported only by the client-only editor modules, so CodeMirror stays
// out of every other screen's bundle.
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { useSyncExternalStore } from "react";

const DARK_QUERY = "(prefers-color-scheme: dark)";

/** True while the system asks for dark; changes live when the operator switches. */
export function usePrefersDark(): boolean {
  return useSyncExternalStore(
    (notify) => {
      const mq = window.matchMedia(DARK_QUERY);
      mq.addEventListener("change", notify);
      return () => mq.removeEventListener("change", notify);
    },
    () => window.matchMedia(DARK_QUERY).matches,
    () => false,
  );
}

// zinc / sky / emerald / amber from the console's Tailwind palette.
const lightHighlight = HighlightStyle.define([
  { tag: t.comment, color: "#71717a", fontStyle: "italic" },
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "#0369a1" },
  { tag: [t.string, t.special(t.string)], color: "#047857" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#b45309" },
  { tag: [t.keyword, t.typeName, t.labelName], color: "#7c3aed" },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: "#52525b" },
  { tag: t.invalid, color: "#b91c1c" },
]);
const darkHighlight = HighlightStyle.define([
  { tag: t.comment, color: "#a1a1aa", fontStyle: "italic" },
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "#7dd3fc" },
  { tag: [t.string, t.special(t.string)], color: "#6ee7b7" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#fcd34d" },
  { tag: [t.keyword, t.typeName, t.labelName], color: "#c4b5fd" },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: "#a1a1aa" },
  { tag: t.invalid, color: "#fca5a5" },
]);

const shared = {
  "&": { fontSize: "12px", height: "100%" },
  ".cm-scroller": { fontFamily: "var(--font-mono), ui-monospace, monospace", lineHeight: "1.55" },
  "&.cm-focused": { outline: "2px solid #0ea5e9", outlineOffset: "-2px" },
  ".cm-gutters": { borderRight: "1px solid" },
};

const lightTheme = EditorView.theme(
  {
    ...shared,
    "&": { ...shared["&"], backgroundColor: "#ffffff", color: "#18181b" },
    ".cm-gutters": { ...shared[".cm-gutters"], backgroundColor: "#fafafa", color: "#71717a", borderColor: "#e4e4e7" },
    ".cm-activeLine": { backgroundColor: "#f4f4f5" },
    ".cm-activeLineGutter": { backgroundColor: "#f4f4f5", color: "#18181b" },
    ".cm-cursor": { borderLeftColor: "#18181b" },
    "&.cm-focused .cm-selectionBackground, .cm-selectionBackground": { backgroundColor: "#bae6fd" },
  },
  { dark: false },
);

const darkTheme = EditorView.theme(
  {
    ...shared,
    "&": { ...shared["&"], backgroundColor: "#09090b", color: "#f4f4f5" },
    ".cm-gutters": { ...shared[".cm-gutters"], backgroundColor: "#18181b", color: "#a1a1aa", borderColor: "#27272a" },
    ".cm-activeLine": { backgroundColor: "#18181b" },
    ".cm-activeLineGutter": { backgroundColor: "#27272a", color: "#f4f4f5" },
    ".cm-cursor": { borderLeftColor: "#f4f4f5" },
    "&.cm-focused .cm-selectionBackground, .cm-selectionBackground": { backgroundColor: "#075985" },
    ".cm-panels": { backgroundColor: "#18181b", color: "#f4f4f5" },
    ".cm-tooltip": { backgroundColor: "#18181b", color: "#f4f4f5", border: "1px solid #3f3f46" },
  },
  { dark: true },
);

/** The look for a scheme; swap it through a Compartment when the system switches. */
export function schemeExtension(dark: boolean): Extension {
  return dark ? [darkTheme, syntaxHighlighting(darkHighlight)] : [lightTheme, syntaxHighlighting(lightHighlight)];
}

/** A fresh compartment per editor for the scheme. */
export const newSchemeCompartment = () => new Compartment();

/**
 * Everything a YAML editor here has. No Tab-to-indent: Tab must leave the editor, so the page stays
 * keyboard reachable (YAML is indented with spaces anyway).
 */
export function yamlBasics(label: string, readOnly: boolean): Extension {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    drawSelection(),
    history(),
    indentOnInput(),
    bracketMatching(),
    highlightSelectionMatches(),
    yaml(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    EditorView.contentAttributes.of({ "aria-label": label }),
    EditorView.lineWrapping,
    // Read-only still lets a viewer focus, select, search and copy; CodeMirror sets aria-readonly.
    readOnly ? EditorState.readOnly.of(true) : [],
  ];
}
