/** The room's link, a copy button and a QR code of the link, drawn in the page. */
import encodeQR from "qr";
import { joinCode, linkFragment, type SplitCode } from "../code/share-code.js";
import { h } from "./dom.js";

/** The secret words go in the fragment, which browsers never send to a server. */
function roomLink(code: SplitCode): string {
  const page = new URL(document.baseURI);
  page.hash = linkFragment(code);
  return page.href;
}

function serverBase(): string {
  const page = new URL(document.baseURI);
  return `${page.origin}${page.pathname}`.replace(/\/$/, "");
}

export function sharePanel(code: SplitCode): HTMLElement {
  const link = roomLink(code);
  const copyStatus = h("span", { class: "copy-status", role: "status" });
  const anchor = h("a", { href: link, "data-testid": "room-link" }, link);
  const copy = h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        copyLink(link, anchor).then((copied) => {
          copyStatus.textContent = copied
            ? "Copied."
            : "The link is selected: copy it with Ctrl+C (or long-press).";
        });
      },
    },
    "Copy link",
  );
  return h(
    "section",
    { class: "share-panel", "aria-label": "Share this room" },
    h("p", {}, "Open this link on the other device, or scan the code:"),
    h("p", { class: "share-link" }, anchor),
    h("p", {}, copy, " ", copyStatus),
    qrImage(link),
    h(
      "p",
      { class: "hint" },
      "From a terminal: ",
      h("code", {}, `kad receive --server ${serverBase()} ${joinCode(code)}`),
    ),
  );
}

/**
 * The Clipboard API exists only in secure contexts; on a plain-http LAN page
 * the link is selected and the legacy copy command tried instead.
 */
async function copyLink(link: string, anchor: HTMLElement): Promise<boolean> {
  if (navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(link);
      return true;
    } catch {
      // Permission refused: fall back to the selection.
    }
  }
  const selection = window.getSelection();
  selection?.selectAllChildren(anchor);
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

function qrImage(text: string): HTMLElement {
  // The SVG comes from the encoder, not from user input, and holds only paths.
  const svg = encodeQR(text, "svg", { ecc: "medium", border: 2 });
  const image = h("img", {
    class: "qr",
    alt: `QR code of ${text}`,
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    width: 220,
    height: 220,
  });
  return h("figure", { class: "qr-frame" }, image);
}
