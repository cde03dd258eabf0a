// Every change waits for a confirmation that says what it changes, in a modal dialog: Escape or
// Cancel changes nothing.
import { byId, h } from "./dom.js";

/**
 * Asks whether to make a change.
 *
 * @param {{ title: string, changes: string[], action: string }} question
 *   `changes`: what will change, one sentence each; `action`: the confirming button's words.
 * @returns {Promise<boolean>} Whether it was confirmed.
 */
export function confirmChange(question) {
  const dialog = byId("confirm", HTMLDialogElement);
  const cancel = byId("confirm-cancel", HTMLButtonElement);
  const ok = byId("confirm-ok", HTMLButtonElement);
  byId("confirm-title", HTMLHeadingElement).textContent = question.title;
  byId("confirm-changes", HTMLUListElement).replaceChildren(
    ...question.changes.map((change) => h("li", {}, change)),
  );
  ok.textContent = question.action;
  dialog.returnValue = "";

  return new Promise((resolve) => {
    const onCancel = () => dialog.close("cancel");
    const onOk = () => dialog.close("confirm");
    cancel.addEventListener("click", onCancel);
    ok.addEventListener("click", onOk);
    dialog.addEventListener(
      "close",
      () => {
        cancel.removeEventListener("click", onCancel);
        ok.removeEventListener("click", onOk);
        resolve(dialog.returnValue === "confirm");
      },
      { once: true },
    );
    dialog.showModal();
    // Cancel first: a change takes a deliberate Tab, or a click.
    cancel.focus();
  });
}
