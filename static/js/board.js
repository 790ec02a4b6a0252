/* The board: drag cards between stage columns (SortableJS) or use a card's keyboard "Move to…" menu.
   The server decides every move: accepted, the card stays where it was dropped and the counts update;
   refused, the card goes back where it was and the board says why. No build step: plain ES2017. */
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) return;
  const canMove = board.dataset.canMove === "1";
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("move-dialog");
  const csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {})["X-CSRFToken"] || "";
  const sortables = [];
  let busy = false;

  function say(text, kind) {
    status.textContent = text;
    status.className = "board-status" + (kind ? " is-" + kind : "");
    status.hidden = false;
  }

  function stageLabel(stage) {
    const column = board.querySelector('.board-column[data-stage="' + stage + '"]');
    return column ? column.getAttribute("aria-label") : stage;
  }

  function cardsOf(list) {
    return Array.from(list.children).filter(function (el) { return el.classList.contains("board-card"); });
  }

  function siblingCard(card, direction) {
    let el = card[direction];
    while (el && !el.classList.contains("board-card")) el = el[direction];
    return el;
  }

  // The ids of the cards a card now sits between: the server places it relative to them, which stays
  // right when the column is filtered or only partly loaded.
  function neighbours(card) {
    const above = siblingCard(card, "previousElementSibling");
    const below = siblingCard(card, "nextElementSibling");
    return { after_id: above ? above.dataset.id : "", before_id: below ? below.dataset.id : "" };
  }

  // `place` is {list, index}: where the card was, counted among the other cards of that list.
  function putBack(card, place) {
    const others = cardsOf(place.list).filter(function (el) { return el !== card; });
    place.list.insertBefore(card, others[place.index] || null);
  }

  function setBusy(on) {
    busy = on;
    sortables.forEach(function (s) { s.option("disabled", on); });
    board.classList.toggle("is-busy", on);
    board.setAttribute("aria-busy", on ? "true" : "false");
  }

  function focusCard(card) {
    const handle = card && card.querySelector("summary");
    if (handle) handle.focus();
  }

  // What a move asks for before it is sent, as the server's policy put it on the card: "01:question 07:reason".
  function needs(card, toStage) {
    if (card.dataset.stage === toStage) return null;
    const found = (card.dataset.needs || "").split(" ").filter(function (pair) {
      return pair.split(":")[0] === toStage;
    })[0];
    return found ? found.split(":")[1] : null;
  }

  // The small dialog for moves that need a question (01), a reason (07) or a sign-off (06); resolves null on cancel.
  function ask(card, toStage, need) {
    return new Promise(function (resolve) {
      dialog.querySelector("[data-dialog-issue]").textContent = "#" + card.dataset.id;
      dialog.querySelector("[data-dialog-stage]").textContent = stageLabel(toStage);
      dialog.querySelectorAll("[data-needs]").forEach(function (el) { el.hidden = el.dataset.needs.split(" ").indexOf(need) < 0; });
      dialog.querySelectorAll("[data-for]").forEach(function (el) { el.hidden = el.dataset.for !== need; });
      const reason = dialog.querySelector("#move-reason");
      const signOff = dialog.querySelector("#move-sign-off");
      const asksText = need === "reason" || need === "question";
      reason.value = "";
      signOff.checked = false;
      reason.required = asksText;
      signOff.required = need === "sign_off";
      dialog.returnValue = "";
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "confirm") return resolve(null);
        resolve(asksText ? { reason: reason.value } : { sign_off: "on" });
      });
      dialog.showModal();
      (asksText ? reason : signOff).focus();
    });
  }

  // The server does not recount every column after a move: the card left one cell and landed in another, so
  // those two counts (and their lane and stage totals) change by one.
  function bump(selector, by) {
    const el = board.querySelector(selector);
    if (el) el.textContent = Math.max(0, (parseInt(el.textContent, 10) || 0) + by);
  }

  function updateCounts(from, to) {
    if (from.lane === to.lane && from.stage === to.stage) return;
    bump('[data-count-lane="' + from.lane + '"][data-count-stage="' + from.stage + '"]', -1);
    bump('[data-count-lane="' + to.lane + '"][data-count-stage="' + to.stage + '"]', 1);
    if (from.stage !== to.stage) {
      bump('[data-count-total="' + from.stage + '"]', -1);
      bump('[data-count-total="' + to.stage + '"]', 1);
    }
    if (from.lane !== to.lane) {
      bump('[data-count-lane-total="' + from.lane + '"]', -1);
      bump('[data-count-lane-total="' + to.lane + '"]', 1);
    }
  }

  function elementFrom(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // Ask the server to put `card` (already where the user dropped it) in `toStage`. Returns the fresh card
  // element when accepted, null when refused or cancelled (the card is then back at `place`).
  async function move(card, toStage, place) {
    const fromStage = card.dataset.stage;
    const id = card.dataset.id;
    const need = needs(card, toStage);
    let extra = {};
    if (need) {
      extra = await ask(card, toStage, need);
      if (!extra) {
        putBack(card, place);
        say("Move of #" + id + " cancelled; it stays in " + stageLabel(fromStage) + ".");
        return null;
      }
    }
    const form = card.querySelector("form.move-menu-list");
    const from = { lane: place.list.dataset.lane, stage: fromStage };
    const to = { lane: card.parentElement.dataset.lane, stage: toStage };
    const fields = { stage: toStage, expected_stage: fromStage };
    // Dropped into another person's swimlane: the server reassigns it (or says why not).
    if (to.lane !== from.lane) fields.assignee = to.lane;
    const body = new URLSearchParams(Object.assign(fields, neighbours(card), extra));
    let ok = false;
    let data;
    setBusy(true);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
        body: body,
      });
      ok = response.ok;
      data = await response.json().catch(function () {
        return { detail: "The server answered " + response.status + "; nothing was changed." };
      });
    } catch (err) {
      data = { detail: "The move could not be sent (" + err.message + "); nothing was changed. Try again." };
    } finally {
      setBusy(false);
    }
    if (!ok) {
      putBack(card, place);
      say(data.detail, "error");
      return null;
    }
    const fresh = elementFrom(data.card);
    card.replaceWith(fresh);
    updateCounts(from, to);
    const reordered = fromStage === data.stage && from.lane === to.lane;
    say(reordered ? "#" + id + " reordered in " + data.stage_label + "." : data.detail, "success");
    return fresh;
  }

  // Every lane's columns light up alike: a drop into another lane also reassigns the card.
  function highlightTargets(card) {
    const allowed = (card.dataset.targets || "").split(" ");
    board.querySelectorAll(".board-list").forEach(function (list) {
      const stage = list.dataset.stage;
      const cls = stage === card.dataset.stage ? "" : allowed.indexOf(stage) >= 0 ? "is-target" : "is-off";
      if (cls) list.closest(".board-column").classList.add(cls);
    });
  }

  function clearHighlight() {
    board.querySelectorAll(".is-target, .is-off").forEach(function (el) { el.classList.remove("is-target", "is-off"); });
  }

  if (canMove) {
    board.querySelectorAll(".board-list").forEach(function (list) {
      sortables.push(Sortable.create(list, {
        group: "board", // across stages, and across swimlanes (which reassigns)
        draggable: ".board-card",
        filter: "summary, button, input, textarea, select",
        preventOnFilter: false,
        forceFallback: true, // the same pointer-driven drag in every browser
        fallbackTolerance: 4, // a click on the title still opens the issue
        animation: 120,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        onStart: function (evt) { highlightTargets(evt.item); },
        onEnd: function (evt) {
          clearHighlight();
          if (evt.from === evt.to && evt.oldDraggableIndex === evt.newDraggableIndex) return;
          move(evt.item, evt.to.dataset.stage, { list: evt.from, index: evt.oldDraggableIndex });
        },
      }));
    });

    // "Move to…": the same move, for keyboards. The card goes to the top of its new column.
    board.addEventListener("submit", function (evt) {
      const form = evt.target.closest(".move-menu-list");
      if (!form) return;
      evt.preventDefault();
      const stage = evt.submitter && evt.submitter.value;
      const card = form.closest(".board-card");
      if (!stage || busy) return;
      const from = card.parentElement;
      const place = { list: from, index: cardsOf(from).indexOf(card) };
      form.closest("details").open = false;
      const to = board.querySelector('.board-list[data-stage="' + stage + '"][data-lane="' + from.dataset.lane + '"]');
      if (to) to.insertBefore(card, cardsOf(to)[0] || null);
      move(card, stage, place).then(function (fresh) { focusCard(fresh || card); });
    });

    board.addEventListener("click", function (evt) {
      const button = evt.target.closest("[data-reorder]");
      if (!button || busy) return;
      const card = button.closest(".board-card");
      const list = card.parentElement;
      const cards = cardsOf(list);
      const index = cards.indexOf(card);
      const up = button.dataset.reorder === "up";
      const other = cards[up ? index - 1 : index + 1];
      button.closest("details").open = false;
      if (!other) {
        say("#" + card.dataset.id + " is already at the " + (up ? "top" : "bottom") + " of its column.");
        focusCard(card);
        return;
      }
      list.insertBefore(card, up ? other : other.nextElementSibling);
      move(card, card.dataset.stage, { list: list, index: index }).then(function (fresh) { focusCard(fresh || card); });
    });

    document.addEventListener("keydown", function (evt) {
      if (evt.key !== "Escape") return;
      const open = board.querySelector("details.move-menu[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  }

  // "Load more" continues after the last card the column shows now (which may have been dropped there).
  document.body.addEventListener("htmx:configRequest", function (evt) {
    const button = evt.detail.elt;
    if (!button.classList || !button.classList.contains("load-more")) return;
    const list = document.querySelector(button.getAttribute("hx-target"));
    const cards = cardsOf(list);
    if (cards.length) evt.detail.parameters.after = cards[cards.length - 1].dataset.id;
    list._known = new Set(Array.from(board.querySelectorAll(".board-card")));
  });

  // A card moved here after the page loaded can come back in the next page: keep the one already shown.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    const list = evt.detail.target;
    if (!list.classList || !list.classList.contains("board-list") || !list._known) return;
    const shown = new Set(Array.from(list._known).map(function (el) { return el.dataset.id; }));
    cardsOf(list).forEach(function (card) {
      if (!list._known.has(card) && shown.has(card.dataset.id)) card.remove();
    });
    list._known = null;
  });
})();
