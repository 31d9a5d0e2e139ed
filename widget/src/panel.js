// The widget's DOM: launcher, panel, conversation log, typing indicator, connection status and the
// question form. Accessibility choices are commented where they are made.

let counter = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function buildPanel(mode) {
  const n = ++counter;
  const root = el("div", `ccw ccw--${mode}`);
  root.lang = "en-GB";

  let launcher = null;
  if (mode === "launcher") {
    launcher = el("button", "govuk-button ccw-launcher", "Ask Collaboration Coach");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", `ccw-panel-${n}`);
    root.appendChild(launcher);
  }

  // A named region, not a modal dialog: the intranet page stays usable while the chat is open.
  const panel = el("section", "ccw-panel");
  panel.id = `ccw-panel-${n}`;
  panel.setAttribute("aria-labelledby", `ccw-title-${n}`);
  if (launcher) panel.hidden = true;

  const header = el("div", "ccw-panel__header");
  const title = el("h2", "govuk-heading-s ccw-panel__title", "Collaboration Coach");
  title.id = `ccw-title-${n}`;
  header.appendChild(title);
  header.appendChild(el("p", "govuk-body-s ccw-panel__intro",
    "Answers from the National Leadership Centre's report on collaboration, quoted and cited."));
  const actions = el("div", "ccw-panel__actions");
  const restart = el("button", "govuk-button govuk-button--secondary ccw-button", "Start again");
  restart.type = "button";
  actions.appendChild(restart);
  let close = null;
  if (launcher) {
    close = el("button", "govuk-button govuk-button--secondary ccw-button", "Close");
    close.type = "button";
    close.appendChild(el("span", "govuk-visually-hidden", " Collaboration Coach"));
    actions.appendChild(close);
  }
  header.appendChild(actions);
  panel.appendChild(header);

  // role=status: connection changes are announced politely, once.
  const status = el("div", "ccw-status");
  status.setAttribute("role", "status");
  panel.appendChild(status);

  // The log scrolls, so it takes focus (tabindex) for keyboard scrolling. It is not itself live:
  // the announcer below says each new message once, in words, without button labels.
  const log = el("div", "ccw-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "off");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0;
  panel.appendChild(log);

  const typing = el("div", "ccw-typing");
  typing.hidden = true;
  typing.appendChild(el("span", "ccw-typing__text", "Coach is typing"));
  const dots = el("span", "ccw-typing__dots");
  dots.setAttribute("aria-hidden", "true");
  for (let i = 0; i < 3; i++) dots.appendChild(el("span", "ccw-typing__dot"));
  typing.appendChild(dots);
  panel.appendChild(typing);

  const form = el("form", "ccw-form");
  form.noValidate = true;
  const label = el("label", "govuk-label ccw-form__label", "Your question");
  label.htmlFor = `ccw-input-${n}`;
  const error = el("p", "govuk-error-message ccw-form__error");
  error.id = `ccw-error-${n}`;
  error.hidden = true;
  const row = el("div", "ccw-form__row");
  const input = el("input", "govuk-input ccw-form__input");
  input.id = `ccw-input-${n}`;
  input.type = "text";
  input.name = "message";
  input.autocomplete = "off";
  input.maxLength = 1000;
  input.spellcheck = true;
  const send = el("button", "govuk-button ccw-form__send", "Send");
  send.type = "submit";
  row.append(input, send);
  form.append(label, error, row);
  panel.appendChild(form);

  const announcer = el("div", "govuk-visually-hidden ccw-announcer");
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-atomic", "false");
  panel.appendChild(announcer);

  root.appendChild(panel);
  return { root, launcher, panel, restart, close, status, log, typing, form, input, error, announcer };
}
