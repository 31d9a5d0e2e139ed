// A small, safe Markdown renderer: it builds DOM nodes and only ever sets text, never HTML.
// Supports what the coach sends: paragraphs, **bold**, *italic* / _italic_, `code`, [links](https://…),
// "- " and "1. " lists and "> " blockquotes. Anything else shows as the characters typed.

const SAFE_LINK = /^(https?:|mailto:)/i;

// Earliest match wins; each rule says how to turn a match into a node.
const INLINE_RULES = [
  { re: /\*\*(?=\S)([\s\S]+?)\*\*/, make: (m) => wrap("strong", m[1]) },
  { re: /(^|[^\w*])\*(?=\S)([^*]+?)\*(?!\w)/, lead: 1, make: (m) => wrap("em", m[2]) },
  { re: /(^|[^\w])_(?=\S)([^_]+?)_(?!\w)/, lead: 1, make: (m) => wrap("em", m[2]) },
  { re: /`([^`]+)`/, make: (m) => textElement("code", m[1]) },
  { re: /\[([^\]]+)\]\(([^()\s]+)\)/, make: (m) => link(m[1], m[2]) },
];

function textElement(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function wrap(tag, inner) {
  const el = document.createElement(tag);
  appendInline(el, inner);
  return el;
}

function link(label, href) {
  if (!SAFE_LINK.test(href)) return document.createTextNode(label);
  const a = document.createElement("a");
  a.className = "govuk-link";
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  appendInline(a, label);
  const hint = textElement("span", " (opens in new tab)");
  hint.className = "govuk-visually-hidden";
  a.appendChild(hint);
  return a;
}

export function appendInline(parent, text) {
  let rest = text;
  while (rest) {
    let best = null;
    for (const rule of INLINE_RULES) {
      const m = rule.re.exec(rest);
      if (!m) continue;
      const start = m.index + (rule.lead ? m[rule.lead].length : 0);
      if (!best || start < best.start) best = { rule, m, start };
    }
    if (!best) {
      parent.appendChild(document.createTextNode(rest));
      return;
    }
    if (best.start > 0) parent.appendChild(document.createTextNode(rest.slice(0, best.start)));
    parent.appendChild(best.rule.make(best.m));
    rest = rest.slice(best.m.index + best.m[0].length);
  }
}

function paragraph(lines) {
  const p = document.createElement("p");
  p.className = "govuk-body";
  lines.forEach((line, i) => {
    if (i) p.appendChild(document.createElement("br"));
    appendInline(p, line);
  });
  return p;
}

// Splits lines into blocks: quote runs, list runs and paragraphs.
function blocks(text) {
  const out = [];
  for (const raw of String(text).replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.replace(/\s+$/, "");
    const kind = /^#{1,6}\s/.test(line) ? "heading"
      : /^\s*>/.test(line) ? "quote"
      : /^\s*[-*]\s+/.test(line) ? "ul"
      : /^\s*\d+[.)]\s+/.test(line) ? "ol"
      : line.trim() === "" ? "blank" : "p";
    const last = out[out.length - 1];
    if (kind === "blank") {
      if (last) last.closed = true;
      continue;
    }
    if (last && !last.closed && last.kind === kind && kind !== "heading") last.lines.push(line);
    else out.push({ kind, lines: [line], closed: false });
  }
  return out;
}

export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  for (const block of blocks(text)) {
    if (block.kind === "heading") {
      // Headings inside a message sit below the card's own h3.
      const h = document.createElement("h4");
      h.className = "govuk-heading-s";
      appendInline(h, block.lines[0].replace(/^#+\s*/, ""));
      fragment.appendChild(h);
    } else if (block.kind === "quote") {
      const quote = document.createElement("blockquote");
      quote.className = "ccw-quote";
      quote.appendChild(renderMarkdown(block.lines.map((l) => l.replace(/^\s*>\s?/, "")).join("\n")));
      fragment.appendChild(quote);
    } else if (block.kind === "ul" || block.kind === "ol") {
      const list = document.createElement(block.kind);
      list.className = `govuk-list govuk-list--${block.kind === "ul" ? "bullet" : "number"}`;
      for (const line of block.lines) {
        const li = document.createElement("li");
        appendInline(li, line.replace(/^\s*(?:[-*]|\d+[.)])\s+/, ""));
        list.appendChild(li);
      }
      fragment.appendChild(list);
    } else {
      fragment.appendChild(paragraph(block.lines));
    }
  }
  return fragment;
}

// The words a screen reader should hear, without Markdown punctuation.
export function plainText(text) {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
    else if (node.nodeName === "BR") parts.push(" ");
    else {
      node.childNodes.forEach(walk);
      if (/^(P|LI|BLOCKQUOTE|UL|OL|H4)$/.test(node.nodeName)) parts.push(" ");
    }
  };
  renderMarkdown(text || "").childNodes.forEach(walk);
  return parts.join("").replace(/\s+/g, " ").trim();
}
