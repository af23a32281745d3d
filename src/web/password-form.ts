/** Asks for a room's password; resolves through `onPassword` when submitted. */
import { h } from "./dom.js";

export function passwordForm(problem: string, onPassword: (password: string) => void): HTMLElement {
  const input = h("input", {
    id: "join-password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "password-title" },
    h("h2", { id: "password-title" }, "Password"),
    problem ? h("p", { class: "error", role: "alert" }, problem) : null,
    h("label", { for: "join-password" }, "This room is protected. Enter its password:"),
    input,
    h("button", { type: "submit" }, "Join"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onPassword(input.value);
  });
  queueMicrotask(() => input.focus());
  return form;
}
