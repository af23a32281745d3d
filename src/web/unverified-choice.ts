/**
 * The explicit choice to send to receivers that cannot check the code
 * (original browser pages), worded so the person sees what they give up.
 * Off by default, and per tab: it is never remembered.
 */
import { h } from "./dom.js";

export interface UnverifiedChoice {
  element: HTMLElement;
  allowed(): boolean;
}

export function unverifiedChoice(): UnverifiedChoice {
  const box = h("input", {
    type: "checkbox",
    id: "allow-unverified",
    "data-testid": "allow-unverified",
  });
  const element = h(
    "p",
    { class: "hint unverified-choice" },
    box,
    " ",
    h(
      "label",
      { for: "allow-unverified" },
      "Also send to pages that cannot check the code (original browser clients). Whoever runs this server, or sits between you, could then receive your files instead.",
    ),
  );
  return { element, allowed: () => box.checked };
}
