// Cascade's few behaviours that need a script, as data attributes instead of inline handlers
// (the Content-Security-Policy allows no inline script):
//   <select data-autosubmit>            submits its form when it changes
//   <input data-select-on-focus>        selects its text when focused (links to copy)
//   <button data-tree="open|close">     opens or closes every branch of the alignment tree
//   <details data-fold>                 a disclosure on phones, open on wider screens
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
