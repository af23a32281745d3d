/** The other people in the room, each with a way to send them files (choose or drop). */
import type { Member } from "../protocol/signaling-messages.js";
import { h, replaceChildren } from "./dom.js";

export type SendFiles = (member: Member, files: File[]) => void;

export class MembersList {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private members: Member[] = [];
  private rows = new Map<string, HTMLLIElement>();

  constructor(private readonly onSend: SendFiles) {
    this.list = h("ul", { class: "members", "aria-live": "polite" });
    this.element = h(
      "section",
      { class: "card", "aria-labelledby": "members-title" },
      h("h2", { id: "members-title" }, "In this room"),
      this.list,
    );
    this.render();
  }

  update(members: Member[]): void {
    this.members = members;
    this.render();
  }

  nameOf(id: string, unknown = "someone who left"): string {
    return this.members.find((member) => member.id === id)?.name ?? unknown;
  }

  has(id: string): boolean {
    return this.members.some((member) => member.id === id);
  }

  /** The only other member, if there is exactly one: page-wide drops go to them. */
  get soleMember(): Member | undefined {
    return this.members.length === 1 ? this.members[0] : undefined;
  }

  /**
   * Rows are kept per member id, so an update (someone else joining) never
   * replaces the row under a keyboard user's focus or a drag in progress.
   */
  private render(): void {
    if (this.members.length === 0) {
      this.rows.clear();
      replaceChildren(
        this.list,
        h("li", { class: "empty" }, "Nobody else is here yet. Share the link and wait a moment."),
      );
      return;
    }
    const rows = new Map<string, HTMLLIElement>();
    for (const member of this.members) {
      rows.set(member.id, this.rows.get(member.id) ?? this.row(member));
    }
    for (const [id, row] of this.rows) if (!rows.has(id)) row.remove();
    this.list.querySelector(":scope > .empty")?.remove();
    // Move only rows that are out of place: moving a focused row would blur it.
    let index = 0;
    for (const row of rows.values()) {
      const current = this.list.children[index] ?? null;
      if (current !== row) this.list.insertBefore(row, current);
      index += 1;
    }
    this.rows = rows;
  }

  private row(member: Member): HTMLLIElement {
    const input = h("input", { type: "file", multiple: true, hidden: true, tabindex: -1 });
    input.addEventListener("change", () => {
      const files = Array.from(input.files ?? []);
      input.value = "";
      if (files.length > 0) this.onSend(member, files);
    });
    const choose = h("button", { type: "button", onclick: () => input.click() }, "Send files…");
    const row = h(
      "li",
      { class: "member", "data-member": member.name },
      h("span", { class: "member-name" }, member.name),
      h("span", { class: "drop-hint" }, "or drop files here"),
      choose,
      input,
    );
    row.addEventListener("dragover", (event) => {
      event.preventDefault();
      row.classList.add("dragging");
    });
    row.addEventListener("dragleave", () => row.classList.remove("dragging"));
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      event.stopPropagation();
      row.classList.remove("dragging");
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length > 0) this.onSend(member, files);
    });
    return row;
  }
}
