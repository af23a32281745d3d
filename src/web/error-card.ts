/** The card that replaces a view when it cannot go on: what happened, and the ways out. */
import { h } from "./dom.js";
import { describeError, PageError } from "./page-error.js";

export function errorCard(error: unknown, retry?: HTMLElement): HTMLElement {
  const home = h("a", { class: "button secondary", href: "#/" }, "Create a new room");
  const kind = error instanceof PageError ? error.kind : "unknown";
  return h(
    "div",
    { class: "card error-card", role: "alert", "data-error": kind },
    h("p", {}, describeError(error)),
    h("p", {}, retry ?? null, " ", home),
  );
}
