/** The home page: create a room (random or chosen code, optional password). */
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";
import { createRoom } from "./coordinator.js";
import { h } from "./dom.js";
import { randomRoomCode, randomSecret, randomUsername } from "./names.js";
import { describeError, PageError } from "./page-error.js";

/** Handed to the room view so the creator joins without typing the password again. */
export interface CreatedRoom {
  /** The room name, all the server knows. */
  code: string;
  /** The code's secret words, only in the link's fragment and this page. */
  secret: string;
  password: string;
  username: string;
}

const CREATE_ATTEMPTS = 3;

export function homeView(onCreated: (room: CreatedRoom) => void): HTMLElement {
  const codeInput = h("input", {
    id: "room-code",
    name: "code",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: "false",
    // HTML patterns use the v flag, where a literal dash in a class must be escaped.
    pattern: "[a-zA-Z0-9\\-]{5,64}",
    placeholder: "leave empty for a random code",
    "aria-describedby": "room-code-help",
  });
  const passwordInput = h("input", {
    id: "room-password",
    name: "password",
    type: "password",
    autocomplete: "new-password",
    placeholder: "optional",
  });
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit" }, "Create room");

  const form = h(
    "form",
    { class: "card", "aria-labelledby": "create-title" },
    h("h2", { id: "create-title" }, "Create a room"),
    h("label", { for: "room-code" }, "Room code"),
    codeInput,
    h("p", { id: "room-code-help", class: "hint" }, "5 to 64 letters, digits or dashes."),
    h("label", { for: "room-password" }, "Password"),
    passwordInput,
    submit,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    create(codeInput.value.trim(), passwordInput.value)
      .then(onCreated, (failure: unknown) => {
        error.textContent = describeError(failure);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  return h(
    "div",
    { class: "home" },
    h(
      "section",
      { class: "intro" },
      h("h1", {}, "Send files straight to another device"),
      h(
        "p",
        {},
        "Create a room, open its link on the other device (or run kad there), and drop files. The bytes go peer to peer; this server only introduces you.",
      ),
    ),
    form,
  );
}

async function create(chosenCode: string, password: string): Promise<CreatedRoom> {
  const username = randomUsername();
  const withPassword = password.trim() === "" ? {} : { password };
  if (chosenCode !== "") {
    if (!ROOM_NAME_PATTERN.test(chosenCode)) {
      throw new PageError("bad-code", "Room codes are 5 to 64 letters, digits or dashes.");
    }
    await createRoom({ roomname: chosenCode, username, ...withPassword });
    return { code: chosenCode, secret: randomSecret(), password, username };
  }
  for (let attempt = 1; ; attempt += 1) {
    const { room, secret } = randomRoomCode();
    try {
      await createRoom({ roomname: room, username, ...withPassword });
      return { code: room, secret, password, username };
    } catch (failure) {
      const taken = failure instanceof PageError && failure.kind === "room-exists";
      if (!taken || attempt >= CREATE_ATTEMPTS) throw failure;
    }
  }
}
