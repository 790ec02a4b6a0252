/* Searchable label pickers (Tom Select, vendored): any <select data-label-picker> becomes a box one types into to
   filter the taxonomy's labels (dozens of them). Without this script the native select still works. */
(function () {
  "use strict";
  if (typeof TomSelect === "undefined") return;
  document.querySelectorAll("select[data-label-picker]").forEach(function (select) {
    const multiple = select.multiple;
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
