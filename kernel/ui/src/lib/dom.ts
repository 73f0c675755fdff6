// Building the page without ever parsing markup: every piece of text goes
// in as a text node, so a customer's name, system information, script
// output or chat message is shown as typed, never interpreted as HTML.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Attributes set with setAttribute (never `on…` handlers or `style`). */
  attrs?: Record<string, string | undefined>;
  /** Event listeners. */
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
  /** Element properties such as `value`, `checked`, `disabled`. */
  props?: Record<string, unknown>;
}

/** `el("button", { on: { click } }, "Start")`: an element with text children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props) {
    if (props.class) element.className = props.class;
    for (const [name, value] of Object.entries(props.attrs ?? {})) {
      if (value === undefined) continue;
      if (/^on/i.test(name) || name === "style") {
        throw new Error(`el(): attribute ${name} is not allowed`);
      }
      element.setAttribute(name, value);
    }
    for (const [name, handler] of Object.entries(props.on ?? {})) {
      element.addEventListener(name, handler as EventListener);
    }
    for (const [name, value] of Object.entries(props.props ?? {})) {
      (element as unknown as Record<string, unknown>)[name] = value;
    }
  }
  append(element, ...children);
  return element;
}

/** Appends children; strings and numbers become text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** `123456789` as `123 456 789`, easier to read out on the phone. */
export function spacedNumber(number: string): string {
  return /^\d{9}$/.test(number)
    ? `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`
    : number;
}
