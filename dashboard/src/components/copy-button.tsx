import { useState, type RefObject } from "react";

/**
 * Copies `text` to the clipboard. Where the Clipboard API is missing or refused (plain http on
 * another host than localhost is not a secure context), it selects the text in `selectTarget`
 * so Ctrl+C does the rest, and says so.
 */
export function CopyButton({
  text,
  selectTarget,
  label = "Copy",
}: {
  text: string;
  selectTarget?: RefObject<HTMLElement | null>;
  label?: string;
}) {
  const [outcome, setOutcome] = useState<"copied" | "selected" | undefined>();

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setOutcome("copied");
    } catch {
      const target = selectTarget?.current;
      if (target) {
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = window.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }
      setOutcome("selected");
    }
  }

  return (
    <span className="copy-button">
      <button type="button" className="button-secondary" onClick={copy}>
        {label}
      </button>
      <span className="copy-outcome" role="status">
        {outcome === "copied"
          ? "Copied"
          : outcome === "selected"
            ? "Selected: press Ctrl+C (⌘C) to copy"
            : ""}
      </span>
    </span>
  );
}
