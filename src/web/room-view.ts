/**
 * The room page at `#/<code>`: looks the room up, asks for a password when
 * it has one, joins with a random name, then hands over to RoomSession.
 *
 *   looking-up ──► (password) ──► joining ──► joined
 *        │             ▲              │          │
 *        ▼             └─ CREDENTIALS ┘          ▼
 *      error  ◄──── notfound, limits ──┘    disconnected ──► (rejoin) looking-up
 */
import { joinCode } from "../code/share-code.js";
import { lookupRoom } from "./coordinator.js";
import { h, replaceChildren } from "./dom.js";
import { errorCard } from "./error-card.js";
import type { CreatedRoom } from "./home-view.js";
import { randomUsername } from "./names.js";
import { describeError, PageError } from "./page-error.js";
import { passwordForm } from "./password-form.js";
import { RoomSession } from "./room-session.js";
import { ServerIce } from "./server-ice.js";
import { sharePanel } from "./share-panel.js";
import { type JoinResult, Signaling } from "./signaling.js";

const USERNAME_ATTEMPTS = 3;
/** Failures a later attempt can get past without anything changing on the page. */
const RETRYABLE = new Set([
  "server-unreachable",
  "timeout",
  "rate-limited",
  "name-taken",
  "unknown",
]);

export interface RoomView {
  element: HTMLElement;
  session(): RoomSession | undefined;
  leave(): void;
}

/** The room to join: its name, the code's secret words, and the whole text as a plain room (route.ts). */
export interface RoomTarget {
  code: string;
  secret?: string | undefined;
  plain?: string | undefined;
}

export function roomView(target: RoomTarget, created: CreatedRoom | undefined): RoomView {
  let { code, secret } = target;
  const status = h("p", { class: "status", role: "status" });
  const body = h("div", { class: "room-body" });
  const heading = h("code", { "data-testid": "room-code" });
  const share = h("details", { class: "card share", open: created !== undefined });
  const showCode = () => {
    // The whole code, secret words included: what the other side types.
    heading.textContent = joinCode({ room: code, secret });
    replaceChildren(share, h("summary", {}, "Invite someone"), sharePanel({ room: code, secret }));
  };
  showCode();
  const element = h("div", { class: "room" }, h("h1", {}, "Room ", heading), status, share, body);
  let signaling: Signaling | undefined;
  let session: RoomSession | undefined;
  const serverIce = new ServerIce(location.hostname);
  let left = false;
  /** Remembered so a rejoin after a lost connection does not ask again. */
  let joinedPassword = created?.password;

  const showError = (error: unknown) => {
    status.textContent = "";
    const retry = h(
      "button",
      { type: "button", onclick: () => void enter(joinedPassword) },
      "Try again",
    );
    if (session) {
      // A failed rejoin: keep the transfers on screen.
      status.replaceChildren(`${describeError(error)} `, retry);
      return;
    }
    const kind = error instanceof PageError ? error.kind : "unknown";
    replaceChildren(body, errorCard(error, RETRYABLE.has(kind) ? retry : undefined));
  };

  const enter = async (knownPassword: string | undefined): Promise<void> => {
    if (!session) replaceChildren(body);
    try {
      status.textContent = "Looking up the room…";
      const info = await lookupRoom(code).catch((error: unknown) => {
        if (!(target.plain && error instanceof PageError && error.kind === "room-not-found")) {
          throw error;
        }
        // An original client's room whose name only looks like room + secret.
        code = target.plain;
        secret = undefined;
        target.plain = undefined;
        showCode();
        return lookupRoom(code);
      });
      let password = knownPassword ?? "";
      if (info.hasPassword && knownPassword === undefined) password = await askPassword("");
      for (let attempt = 1; ; attempt += 1) {
        status.textContent = "Joining…";
        signaling?.close();
        signaling = await Signaling.open(info.webSocketUri, {
          onMembers: (members) => session?.updateMembers(members),
          onInitiate: (initiate) => session?.receive(initiate),
          onClose: () => disconnected(),
        });
        const username = attempt === 1 && created ? created.username : randomUsername();
        const result = await signaling.join({ username, roomname: code, password });
        if (result === "joined") {
          joinedPassword = password;
          return joined(signaling, username);
        }
        if (result === "CREDENTIALS") {
          password = await askPassword("That password is wrong. Try again.");
          continue;
        }
        if (result === "USERNAME_CONFLICT" && attempt < USERNAME_ATTEMPTS) continue;
        throw joinError(result);
      }
    } catch (error) {
      signaling?.close();
      showError(error);
    }
  };

  const askPassword = (problem: string) => {
    status.textContent = "This room has a password.";
    return new Promise<string>((resolve) => replaceChildren(body, passwordForm(problem, resolve)));
  };

  const joined = async (connection: Signaling, username: string) => {
    serverIce.joined(connection.rpc);
    if (session) {
      session.reconnect(connection);
      if (!body.contains(session.element)) replaceChildren(body, session.element);
    } else {
      session = new RoomSession(connection, {
        iceServers: () => serverIce.current(),
        code: { room: code, secret },
      });
      replaceChildren(body, session.element);
    }
    status.textContent = `You are ${username}. Files sent to you appear below.`;
    element.dataset.state = "joined";
    session.updateMembers(await connection.listMembers());
  };

  const disconnected = () => {
    if (left) return;
    element.dataset.state = "disconnected";
    const rejoin = h(
      "button",
      { type: "button", onclick: () => void enter(joinedPassword) },
      "Rejoin",
    );
    status.replaceChildren(
      "Lost the connection to the server. Transfers already running go on. ",
      rejoin,
    );
  };

  void enter(created?.password);
  return {
    element,
    session: () => session,
    leave: () => {
      left = true;
      signaling?.close();
    },
  };
}

/** A wrong password never ends up here: the loop above asks again. */
function joinError(result: Exclude<JoinResult, "joined" | "CREDENTIALS">): PageError {
  switch (result) {
    case "notfound":
      return new PageError(
        "room-not-found",
        "This room has expired or was never created. Ask for a new link.",
      );
    case "USERNAME_CONFLICT":
      return new PageError(
        "name-taken",
        "Every name this page tried is already used in this room. Try again.",
      );
  }
}
