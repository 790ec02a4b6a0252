/* Searchable label pickers (Tom Select, vendored): any <select data-label-picker> becomes a box one types into to
   filter the taxonomy's labels (dozens of them). Without this script the native select still works. */
(function () {
  "use strict";
  if (typeof TomSelect === "undefined") return;
  document.querySelectorAll("select[data-label-picker]").forEach(function (select) {
    const multiple = select.multiple;
    // Tom Select moves the <label> to its own input: the hidden select keeps a name of its own.
    const label = select.labels && select.labels[0];
    if (label && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", label.textContent.trim());
    new TomSelect(select, {
      plugins: multiple ? ["remove_button"] : [],
      maxOptions: null, // the whole taxonomy, filtered as one types
      allowEmptyOption: !multiple, // "Any label" stays choosable on the board's filter
      closeAfterSelect: !multiple,
      hidePlaceholder: multiple,
      placeholder: select.dataset.placeholder || "Type to find a label",
      // Picked: the typed text goes, so the next label is found by typing afresh (not "leanmark").
      onItemAdd: function () {
        this.setTextboxValue("");
        if (multiple) this.refreshOptions(false);
      },
    });
  });
})();
