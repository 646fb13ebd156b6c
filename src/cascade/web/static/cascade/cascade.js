// Cascade's few behaviours that need a script, as data attributes instead of inline handlers
// (the Content-Security-Policy allows no inline script):
//   <select data-autosubmit>            submits its form when it changes
//   <input data-select-on-focus>        selects its text when focused (links to copy)
//   <button data-tree="open|close">     opens or closes every branch of the alignment tree
//   <details data-fold>                 a disclosure on phones, open on wider screens
//   <input data-shown-if="kind:metric sum">  its field shows only while the form's "kind" is one
//                                       of those (web.forms.shown_if); also on <option>s. A
//                                       select's option may stand for a kind (data-kind).
//   <button data-confirm="Sure?">       asks before submitting its form
//   <div data-mention-picker data-url=… data-target=ID>  the @mention picker of a comment: its
//                                       search input asks data-url?q= for people (JSON) and a
//                                       chosen one's @[Name](member:id) goes into #ID at the caret
"use strict";

document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});

document.addEventListener("focusin", (event) => {
  const field = event.target.closest("[data-select-on-focus]");
  if (field) field.select();
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-tree]");
  if (!button) return;
  const open = button.dataset.tree === "open";
  document.querySelectorAll(".tree details").forEach((branch) => { branch.open = open; });
});

// <details data-fold> is a disclosure on phones and open wider (cascade.css shows its content
// there through ::details-content; this opens it for browsers without that).
const wide = window.matchMedia("(min-width: 721px)");
function unfold() {
  document.querySelectorAll("details[data-fold]").forEach((folded) => {
    if (wide.matches) folded.open = true;
    else if (folded.dataset.fold !== "open") folded.open = false;
  });
}
if (wide.matches) unfold();
wide.addEventListener("change", unfold);
// ---- Forms that adapt to the choice made (web.forms.shown_if) ----------------------------------
// A hidden field's input is disabled too, so a value typed before the choice changed is not sent.
// Without this script every field shows and the server's validation decides, as always.

function choiceOf(form, name) {
  const control = form.elements.namedItem(name);
  if (!control) return null;
  if (control instanceof HTMLSelectElement) {
    const option = control.selectedOptions[0];
    return option ? option.dataset.kind || option.value : "";
  }
  return control.value; // an input, or the checked one of a group of radio buttons
}

function adaptForm(form) {
  form.querySelectorAll("[data-shown-if]").forEach((element) => {
    const [name, values] = element.dataset.shownIf.split(":");
    const choice = choiceOf(form, name);
    if (choice === null) return;
    const shown = values.split(" ").includes(choice);
    if (element instanceof HTMLOptionElement) {
      element.hidden = !shown;
      element.disabled = !shown;
      return;
    }
    (element.closest(".field") || element).hidden = !shown;
    element.disabled = !shown;
  });
  // A select whose chosen option was just hidden moves to its first option still offered.
  form.querySelectorAll("select").forEach((select) => {
    const chosen = select.selectedOptions[0];
    if (chosen && chosen.disabled) {
      const first = Array.from(select.options).find((option) => !option.disabled);
      if (first) select.value = first.value;
    }
  });
}

function adaptForms(root) {
  const forms = root instanceof HTMLFormElement ? [root] : root.querySelectorAll("form");
  forms.forEach((form) => {
    if (form.querySelector("[data-shown-if]")) adaptForm(form);
  });
}

document.addEventListener("change", (event) => {
  if (event.target.form) adaptForms(event.target.form);
});
// htmx fires htmx:load for the page and for every piece of content it swaps in.
document.addEventListener("htmx:load", (event) => adaptForms(event.detail.elt));
adaptForms(document);

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// ---- The @mention picker (web/goals/comment_fields.html) --------------------------------------
// Without this script the help text shows the syntax to type by hand.

function insertAtCaret(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  const before = textarea.value.slice(0, start);
  const space = before && !/\s$/.test(before) ? " " : "";
  textarea.value = before + space + text + textarea.value.slice(end);
  const caret = (before + space + text).length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
}

function showPeople(picker, people) {
  const list = picker.querySelector(".picker-results");
  list.replaceChildren();
  people.forEach((person) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.dataset.insert = person.insert;
    button.textContent = person.title ? `${person.name} · ${person.title}` : person.name;
    item.append(button);
    list.append(item);
  });
  if (!people.length && picker.querySelector("input").value.trim()) {
    const item = document.createElement("li");
    item.className = "muted small";
    item.textContent = "Nobody who can see this goal has that name.";
    list.append(item);
  }
}

let mentionTimer = null;
document.addEventListener("input", (event) => {
  const picker = event.target.closest("[data-mention-picker]");
  if (!picker || event.target.tagName !== "INPUT") return;
  clearTimeout(mentionTimer);
  const query = event.target.value.trim();
  if (!query) { showPeople(picker, []); return; }
  mentionTimer = setTimeout(async () => {
    const url = `${picker.dataset.url}?q=${encodeURIComponent(query)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (response.ok) showPeople(picker, (await response.json()).people);
  }, 200);
});

document.addEventListener("click", (event) => {
  const choice = event.target.closest("[data-mention-picker] [data-insert]");
  if (!choice) return;
  const picker = choice.closest("[data-mention-picker]");
  const textarea = document.getElementById(picker.dataset.target);
  if (textarea) insertAtCaret(textarea, choice.dataset.insert);
  picker.querySelector("input").value = "";
  showPeople(picker, []);
});
