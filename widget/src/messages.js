// Turns one bot message ({text, buttons, custom: {answer, plan, share}}) into DOM. Text goes through the safe
// Markdown renderer; every other field is set with textContent, so nothing a user or the bot sends can
// become markup.
import { renderMarkdown } from "./markdown.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function hidden(text) {
  return el("span", "govuk-visually-hidden", text);
}

const isAnswer = (answer) => !!answer && /^(answered|coaching_|health_check)/.test(answer.status || "");

function buttonGroup(buttons, label, onButton) {
  const group = el("div", "ccw-buttons");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", label);
  for (const b of buttons) {
    if (!b || !b.payload) continue;
    const button = el("button", "govuk-button govuk-button--secondary ccw-button", b.title || b.payload);
    button.type = "button";
    button.addEventListener("click", () => onButton(String(b.title || b.payload), String(b.payload)));
    group.appendChild(button);
  }
  return group.childNodes.length ? group : null;
}

function feedback(answer, onFeedback) {
  const box = el("div", "ccw-feedback");
  box.setAttribute("role", "group");
  const label = el("span", "ccw-feedback__label", "Was this answer helpful?");
  label.id = `ccw-fb-${answer.answer_id}-${Math.random().toString(36).slice(2, 8)}`;
  box.setAttribute("aria-labelledby", label.id);
  box.appendChild(label);
  const choices = [["Yes, helpful", "/feedback_helpful"], ["No, not helpful", "/feedback_unhelpful"]];
  const buttons = choices.map(([title, payload]) => {
    const b = el("button", "govuk-button govuk-button--secondary ccw-button ccw-feedback__button", title);
    b.type = "button";
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", () => {
      // aria-disabled rather than disabled: the button keeps focus, and the choice stays readable.
      if (box.dataset.sent) return;
      if (!onFeedback(payload, answer.answer_id)) return;
      box.dataset.sent = "true";
      b.setAttribute("aria-pressed", "true");
      buttons.forEach((x) => x.setAttribute("aria-disabled", "true"));
    });
    box.appendChild(b);
    return b;
  });
  return box;
}

function sources(citations) {
  const seen = new Set();
  const list = el("ul", "govuk-list ccw-sources__list");
  for (const c of citations || []) {
    const line = [c.source, c.section].filter(Boolean).join(" — ");
    if (!line || seen.has(line)) continue;
    seen.add(line);
    list.appendChild(el("li", "", line));
  }
  if (!list.childNodes.length) return null;
  const box = el("div", "ccw-sources");
  box.appendChild(el("p", "govuk-body-s ccw-sources__title", "Sources"));
  box.appendChild(list);
  return box;
}

// Quotes straight from the payload, for an answer that came without text.
function payloadBody(answer) {
  const frag = document.createDocumentFragment();
  for (const c of answer.citations || []) {
    const q = el("blockquote", "ccw-quote");
    q.appendChild(el("p", "govuk-body", c.quote));
    frag.appendChild(q);
  }
  return frag;
}

function answerCard(message, answer) {
  const card = el("article", "ccw-card");
  const subject = answer.enabler || answer.fact || (answer.example && { title: answer.example.title });
  if (subject && subject.title) {
    const head = el("div", "ccw-card__header");
    head.appendChild(el("h3", "govuk-heading-s ccw-card__title", subject.title));
    const kind = answer.enabler ? "Enabler" : answer.fact ? "From the report" : "Example";
    head.appendChild(el("p", "govuk-body-s ccw-card__kind", answer.enabler && answer.enabler.theme
      ? `${kind} · ${answer.enabler.theme}` : (answer.fact && answer.fact.theme ? `${kind} · ${answer.fact.theme}` : kind)));
    card.appendChild(head);
  }
  const body = el("div", "ccw-card__body");
  body.appendChild(message.text ? renderMarkdown(message.text) : payloadBody(answer));
  card.appendChild(body);
  const cited = sources([...(answer.citations || []), ...(answer.example ? [answer.example.citation] : [])]);
  if (cited) card.appendChild(cited);
  return card;
}

function downloadText(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function planAsText(plan) {
  if (typeof plan.markdown === "string" && plan.markdown.trim()) return plan.markdown;
  return JSON.stringify(plan, null, 2);
}

// The coaching plan, rendered from its Markdown so any shape of plan shows in full.
function planCard(plan) {
  const card = el("article", "ccw-card ccw-plan");
  const head = el("div", "ccw-card__header");
  head.appendChild(el("h3", "govuk-heading-s ccw-card__title", plan.title || "Your collaboration plan"));
  card.appendChild(head);
  const body = el("div", "ccw-card__body");
  body.appendChild(renderMarkdown(planAsText(plan)));
  card.appendChild(body);
  const download = el("button", "govuk-button ccw-button ccw-plan__download", "Download plan");
  download.type = "button";
  download.appendChild(hidden(" as a text file"));
  download.addEventListener("click", () => downloadText("collaboration-plan.md", planAsText(plan)));
  card.appendChild(download);
  return card;
}

// The plan offered for sharing ("can I email this to my team?"): the coach's note, the plan as plain text
// to copy, and a download of that same text. Shown instead of the plan card, so the plan is not shown twice.
function shareCard(share) {
  const card = el("article", "ccw-card ccw-share");
  const body = el("div", "ccw-card__body");
  if (typeof share.note === "string") body.appendChild(renderMarkdown(share.note));
  const text = el("pre", "ccw-share__text", share.text);
  text.tabIndex = 0;
  text.setAttribute("aria-label", "Your plan as text to copy");
  body.appendChild(text);
  card.appendChild(body);
  const download = el("button", "govuk-button ccw-button ccw-plan__download", "Download plan");
  download.type = "button";
  download.appendChild(hidden(" as a text file"));
  const filename = typeof share.filename === "string" && share.filename ? share.filename : "collaboration-plan.txt";
  download.addEventListener("click", () => downloadText(filename, share.text));
  card.appendChild(download);
  return card;
}

/**
 * @param message a bot message from the server
 * @param actions {onButton(title, payload), onFeedback(payload, answerId) -> bool}
 * @returns the element to append to the log
 */
export function renderBotMessage(message, actions) {
  const custom = message.custom && typeof message.custom === "object" ? message.custom : {};
  const answer = custom.answer;
  const wrapper = el("div", "ccw-msg ccw-msg--bot");
  wrapper.appendChild(hidden("Coach said: "));
  if (custom.share && typeof custom.share === "object" && typeof custom.share.text === "string") {
    wrapper.appendChild(shareCard(custom.share));
  } else if (custom.plan && typeof custom.plan === "object") {
    if (message.text) wrapper.appendChild(renderMarkdown(message.text));
    wrapper.appendChild(planCard(custom.plan));
  } else if (isAnswer(answer)) {
    wrapper.appendChild(answerCard(message, answer));
  } else if (message.text) {
    wrapper.appendChild(renderMarkdown(message.text));
  }
  const buttons = (message.buttons && message.buttons.length ? message.buttons
    : message.quick_replies) || (answer && answer.buttons) || [];
  const group = buttonGroup(buttons, "Suggested replies", actions.onButton);
  if (group) wrapper.appendChild(group);
  if (isAnswer(answer) && answer.answer_id) wrapper.appendChild(feedback(answer, actions.onFeedback));
  return wrapper;
}

export function renderUserMessage(text) {
  const wrapper = el("div", "ccw-msg ccw-msg--user");
  wrapper.appendChild(hidden("You said: "));
  wrapper.appendChild(el("p", "govuk-body ccw-msg__text", text));
  return wrapper;
}

export function renderNotice(text) {
  const wrapper = el("div", "ccw-notice");
  wrapper.appendChild(el("p", "govuk-body-s", text));
  return wrapper;
}
