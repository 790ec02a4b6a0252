/* Searchable label pickers (Tom Select, vendored): any <select data-label-picker> becomes a box one types into to
   filter the taxonomy's labels (dozens of them). Without this script the native select still works. */
(function () {
  "use strict";
  if (typeof TomSelect === "undefined") return;

  // A single select's placeholder (the board filter's "Any label") shows only while nothing is chosen. Not Tom
  // Select's hidePlaceholder: it hides the input itself once a label is chosen, and keys typed right after a
  // click, before Tom Select shows the input again, are lost.
  TomSelect.define("placeholder_while_empty", function () {
    this.hook("after", "inputState", function () {
      if (this.items.length) this.control_input.setAttribute("placeholder", "");
    });
  });

  document.querySelectorAll("select[data-label-picker]").forEach(function (select) {
    const multiple = select.multiple;
    // Tom Select moves the <label> to its own input: the hidden select keeps a name of its own. Only the label's own
    // words: a <label> wrapping the select (the board's filter) also holds the text of every <option>.
    const label = select.labels && select.labels[0];
    if (label && !select.hasAttribute("aria-label")) {
      const words = label.cloneNode(true);
      words.querySelectorAll("select").forEach(function (inner) { inner.remove(); });
      select.setAttribute("aria-label", words.textContent.replace(/\s+/g, " ").trim());
    }
    new TomSelect(select, {
      // × or Backspace takes a label off; on the board's filter that is the way back to "Any label".
      plugins: multiple ? ["remove_button"] : ["remove_button", "placeholder_while_empty"],
      maxOptions: null, // the whole taxonomy, filtered as one types
      // The empty <option value=""> ("Any label") is never an item, so nothing chosen shows the placeholder alone
      // (as an item too, the box read "Any label Any label"). The select still sends label= then.
      allowEmptyOption: false,
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
