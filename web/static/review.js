// Keyboard shortcuts of the review page (/review/article): j/k move between facts, c confirms,
// r rejects (focuses the reason), e corrects (focuses the value), a goes to the form that adds a
// fact, Escape leaves a field. Clicking a highlighted sentence selects its fact; clicking anywhere in
// the text (or selecting words) picks the sentence there as the one an added fact cites.
// Served from web/static (CSP: script-src 'self').
(() => {
  "use strict";
  const text = document.querySelector("div.article-text");
  const cite = document.getElementById("add-sentence");

  // the offset in the article's text of a point in the div (its text nodes are the text, in order)
  function offsetOf(node, offset) {
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  // where the reader clicked, or the start of the words they selected: a point in the text, or null
  function pointOf(event) {
    const selection = window.getSelection();
    if (selection.rangeCount && !selection.isCollapsed && text.contains(selection.anchorNode)) {
      return [selection.anchorNode, selection.anchorOffset];
    }
    if (document.caretPositionFromPoint) {
      const caret = document.caretPositionFromPoint(event.clientX, event.clientY);
      return caret && text.contains(caret.offsetNode) ? [caret.offsetNode, caret.offset] : null;
    }
    const range = document.caretRangeFromPoint ? document.caretRangeFromPoint(event.clientX, event.clientY) : null;
    return range && text.contains(range.startContainer) ? [range.startContainer, range.startOffset] : null;
  }

  if (text && cite) {
    text.addEventListener("mouseup", (event) => {
      const point = pointOf(event);
      if (!point) return;
      const at = offsetOf(point[0], point[1]);
      const option = Array.from(cite.options).find((o) => o.value && Number(o.dataset.start) <= at
                                                    && at < Number(o.dataset.end));
      if (option) cite.value = option.value;
    });
  }

  const facts = Array.from(document.querySelectorAll("li.fact"));
  let current = -1;

  function select(index, scroll = true) {
    if (index < 0 || index >= facts.length) return;
    document.querySelectorAll(".fact.current, mark.current").forEach((el) => el.classList.remove("current"));
    current = index;
    const fact = facts[index];
    fact.classList.add("current");
    const mark = fact.dataset.sentence ? document.getElementById(fact.dataset.sentence) : null;
    if (mark) mark.classList.add("current");
    if (scroll) {
      fact.scrollIntoView({ block: "nearest" });
      if (mark) mark.scrollIntoView({ block: "nearest" });
    }
    fact.focus({ preventScroll: true });
  }

  function field(selector) {
    const input = current >= 0 ? facts[current].querySelector(selector) : null;
    if (input) { input.focus(); input.select(); }
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target.matches("input, textarea, select")) {
      if (event.key === "Escape") { target.blur(); if (current >= 0) facts[current].focus(); }
      return;
    }
    const actions = {
      j: () => select(Math.min(current + 1, facts.length - 1)),
      k: () => select(Math.max(current - 1, 0)),
      c: () => { if (current >= 0) facts[current].querySelector("form.confirm").requestSubmit(); },
      r: () => field("form.reject input[name=reason]"),
      e: () => field("form.correct input[name=value]"),
      a: () => { const kind = document.getElementById("add-kind"); if (kind) { kind.scrollIntoView({ block: "nearest" }); kind.focus(); } },
    };
    const action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  facts.forEach((fact, index) => fact.addEventListener("click", (event) => {
    if (!event.target.closest("input, button")) select(index, false);
  }));
  document.querySelectorAll(".article-text mark").forEach((mark) => mark.addEventListener("click", () => {
    const index = facts.findIndex((fact) => fact.dataset.sentence === mark.id);
    if (index >= 0) select(index);
  }));

  const wanted = facts.findIndex((fact) => "#" + fact.id === window.location.hash);
  const firstOpen = facts.findIndex((fact) => fact.classList.contains("state-unreviewed"));
  select(wanted >= 0 ? wanted : Math.max(firstOpen, 0));
})();
