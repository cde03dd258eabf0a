// Building the page from data without ever parsing data as HTML: every string becomes a Text
// node (or an attribute value), so an id full of `<`, `"` or script shows as what it is.

/**
 * @typedef {object} ElementOptions
 * @property {string} [className]
 * @property {Record<string, string>} [attributes] Never `on…`, `href` or `src` from data.
 */

/**
 * A new element with its children; strings become text, never markup.
 *
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {ElementOptions} options
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function h(tag, options, ...children) {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  for (const [name, value] of Object.entries(options.attributes ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** An id, shown as code. @param {string} text */
export function code(text) {
  return h("code", {}, text);
}

/**
 * The element of the page with this id.
 *
 * @template {HTMLElement} Kind
 * @param {string} id
 * @param {new () => Kind} kind
 * @returns {Kind}
 */
export function byId(id, kind) {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return element;
}

/**
 * Shows `words` in a message line: an error, or (with `ok`) a confirmation.
 *
 * @param {HTMLElement} line
 * @param {string} words Empty clears it.
 * @param {boolean} [ok]
 */
export function say(line, words, ok = false) {
  line.textContent = words;
  line.classList.toggle("ok", ok);
}

/**
 * A form of one labelled field and a button; Enter in the field submits it.
 *
 * @param {{ id: string, label: string, button: string, value?: string,
 *   onSubmit: (value: string) => void }} spec
 */
export function fieldForm(spec) {
  const input = h("input", {
    attributes: { id: spec.id, type: "text", autocomplete: "off", spellcheck: "false" },
  });
  input.value = spec.value ?? "";
  const form = h(
    "form",
    { className: "line", attributes: { novalidate: "" } },
    h("label", { attributes: { for: spec.id } }, spec.label),
    h("div", { className: "row" }, input, h("button", { attributes: { type: "submit" } }, spec.button)),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    spec.onSubmit(input.value.trim());
  });
  return form;
}

/**
 * A moment the API gave (ISO 8601, UTC), shown as `2026-12-05 10:00:00 UTC`.
 *
 * @param {string} iso
 */
export function moment(iso) {
  const parts = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return h("time", { attributes: { datetime: iso } }, parts === null ? iso : `${parts[1]} ${parts[2]} UTC`);
}
