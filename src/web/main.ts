/**
 * The web page `kad serve` serves. Hash routes: `#/` (or none) is the home
 * page, `#/<room>/<secret>` (or `#/<code>`) a room. The creator of a room arrives with its password in
 * memory so the join does not ask again.
 */
import { linkFragment } from "../code/share-code.js";
import { h, replaceChildren } from "./dom.js";
import { errorCard } from "./error-card.js";
import { type CreatedRoom, homeView } from "./home-view.js";
import { PageError } from "./page-error.js";
import { openIncomingDirectory } from "./receive-sink.js";
import { type RoomView, roomView } from "./room-view.js";
import { parseRoute } from "./route.js";

const app = document.getElementById("app") as HTMLElement;
let current: RoomView | undefined;
let justCreated: CreatedRoom | undefined;

function route(): void {
  current?.leave();
  current = undefined;
  const target = parseRoute(location.hash);
  if (target.kind === "home") {
    document.title = "kad — send files peer to peer";
    replaceChildren(app, homeView(onCreated));
  } else if (target.kind === "bad-link") {
    document.title = "kad — not a room link";
    replaceChildren(app, badLinkView());
  } else {
    const { code } = target;
    document.title = `kad — room ${code}`;
    const created = justCreated?.code === code ? justCreated : undefined;
    justCreated = undefined;
    current = roomView(target, created);
    replaceChildren(app, current.element);
  }
  app.focus();
}

/** The link's text is not repeated: it may be damaged, or made to look like a command. */
function badLinkView(): HTMLElement {
  const error = new PageError(
    "bad-code",
    "This link does not hold a room code: codes are 5 to 64 letters, digits or dashes. Check that the whole link was copied, or ask for a new one.",
  );
  return h("div", { class: "room" }, h("h1", {}, "Not a room link"), errorCard(error));
}

function onCreated(room: CreatedRoom): void {
  justCreated = room;
  location.hash = linkFragment({ room: room.code, secret: room.secret });
}

window.addEventListener("hashchange", route);

// Dropping a file outside a drop target must not navigate away from the room.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => {
  event.preventDefault();
  const files = Array.from(event.dataTransfer?.files ?? []);
  if (files.length > 0) current?.session()?.sendToSoleMember(files);
});

window.addEventListener("beforeunload", (event) => {
  if (current?.session()?.busy) event.preventDefault();
});

// Start cleaning up storage left by closed tabs before any file arrives.
void openIncomingDirectory();
route();
