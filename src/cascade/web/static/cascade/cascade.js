// Cascade's few behaviours that need a script, as data attributes instead of inline handlers
// (the Content-Security-Policy allows no inline script):
//   <select data-autosubmit>            submits its form when it changes
//   <input data-select-on-focus>        selects its text when focused (links to copy)
//   <button data-tree="open|close">     opens or closes every branch of the alignment tree
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
