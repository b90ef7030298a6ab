// Mehvar's small client side: keyboard shortcuts, their help overlay, @mention completion and
// keeping live updates away from what the agent is editing. Every page works without it.
"use strict";

(function () {
  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function click(selector) {
    var element = document.querySelector(selector);
    if (element) { element.click(); return true; }
    return false;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) { window.location.assign(link.href); return true; }
    return false;
  }

  // --- inbox rows: j/k move the selection, o/Enter open it ------------------------------
  var selected = -1;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }

  function select(step) {
    var all = rows();
    if (!all.length) { return false; }
    selected = Math.max(0, Math.min(all.length - 1, selected + step));
    all.forEach(function (row, index) { row.classList.toggle("selected", index === selected); });
    var link = all[selected].querySelector("a[data-open]");
    if (link) { link.focus(); }
    return true;
  }

  function openSelected() {
    var all = rows();
    if (selected < 0 || selected >= all.length) { return false; }
    var link = all[selected].querySelector("a[data-open]");
    if (link) { window.location.assign(link.href); return true; }
    return false;
  }

  // --- the composer: r for a reply, n for a note ------------------------------------------
  function compose(kind) {
    var radio = document.querySelector('#composer input[name="kind"][value="' + kind + '"]');
    var text = document.getElementById("composer-text");
    if (!radio || !text) { return false; }
    radio.checked = true;
    text.focus();
    return true;
  }

  function showHelp() {
    var dialog = document.getElementById("shortcuts-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
    return Boolean(dialog);
  }

  var keys = {
    "j": function () { return select(1) || follow('a[rel="next"]'); },
    "k": function () { return select(-1) || follow('a[rel="prev"]'); },
    "o": openSelected,
    "Enter": openSelected,
    "u": function () { return follow('a[data-shortcut="inbox"]'); },
    "r": function () { return compose("reply"); },
    "n": function () { return compose("note"); },
    "a": function () { return click('[data-shortcut="assign-me"]'); },
    "s": function () { return click('[data-shortcut="solve"]'); },
    "/": function () {
      var search = document.getElementById("global-search");
      if (search) { search.focus(); search.select(); }
      return Boolean(search);
    },
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) &&
        event.target instanceof HTMLTextAreaElement && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var action = keys[event.key];
    if (action && action()) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest('[data-shortcut="help"]') : null;
    if (target) { showHelp(); }
  });

  // --- live updates never replace a block the agent is editing ---------------------------
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    var focused = document.activeElement;
    if (element && element.id && (element.id === "properties" || element.id === "inbox-list") &&
        event.detail.requestConfig && event.detail.requestConfig.verb === "get" &&
        focused && element.contains(focused) && typing(focused)) {
      event.preventDefault();
    }
  });

  // --- @mention completion in the composer -----------------------------------------------
  function mentions() {
    var text = document.getElementById("composer-text");
    var data = document.getElementById("mention-agents");
    if (!text || !data) { return; }
    var agents = JSON.parse(data.textContent || "[]");
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.id = "mention-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    text.parentNode.insertBefore(list, text.nextSibling);
    text.setAttribute("aria-controls", list.id);
    text.setAttribute("aria-autocomplete", "list");
    var matches = [];
    var active = 0;

    function query() {
      var before = text.value.slice(0, text.selectionStart);
      var found = /(^|[^\w@])@([\w.+-]{0,30})$/u.exec(before);
      return found ? found[2] : null;
    }

    function close() {
      list.hidden = true;
      matches = [];
      text.removeAttribute("aria-activedescendant");
    }

    function render() {
      list.textContent = "";
      matches.forEach(function (agent, index) {
        var item = document.createElement("li");
        item.id = "mention-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        item.dir = "auto";
        item.textContent = agent.name + " (@" + agent.username + ")";
        item.addEventListener("mousedown", function (event) { event.preventDefault(); insert(agent); });
        list.appendChild(item);
      });
      list.hidden = matches.length === 0;
      if (matches.length) { text.setAttribute("aria-activedescendant", "mention-" + active); }
    }

    function insert(agent) {
      var caret = text.selectionStart;
      var before = text.value.slice(0, caret).replace(/@[\w.+-]*$/u, "@" + agent.username + " ");
      text.value = before + text.value.slice(caret);
      text.selectionStart = text.selectionEnd = before.length;
      var note = document.querySelector('#composer input[name="kind"][value="note"]');
      if (note) { note.checked = true; }  // mentions notify colleagues in notes only
      close();
      text.focus();
    }

    text.addEventListener("input", function () {
      var typed = query();
      if (typed === null) { close(); return; }
      var needle = typed.toLowerCase();
      matches = agents.filter(function (agent) {
        return agent.username.toLowerCase().indexOf(needle) === 0 ||
          agent.name.toLowerCase().indexOf(needle) !== -1;
      }).slice(0, 8);
      active = 0;
      render();
    });

    text.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        render();
        event.preventDefault();
      } else if ((event.key === "Enter" || event.key === "Tab") && !event.ctrlKey) {
        insert(matches[active]);
        event.preventDefault();
      } else if (event.key === "Escape") {
        close();
        event.preventDefault();
      }
    });
    text.addEventListener("blur", close);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mentions);
  } else {
    mentions();
  }

  // --- SLA countdowns: "in 25 minutes" / "5 minutes ago" in the page's language -----------
  // The server renders the due time itself; this only rewrites it relative to now.
  var relative = window.Intl && Intl.RelativeTimeFormat ?
    new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, {numeric: "auto"}) :
    null;

  function countdowns() {
    if (!relative) { return; }
    document.querySelectorAll("time[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var minutes = Math.round((due - Date.now()) / 60000);
      var text = Math.abs(minutes) < 90 ? relative.format(minutes, "minute") :
        Math.abs(minutes) < 48 * 60 ? relative.format(Math.round(minutes / 60), "hour") :
          relative.format(Math.round(minutes / 1440), "day");
      if (!element.title) { element.title = element.textContent; }
      element.textContent = text;
      element.classList.toggle("overdue", minutes < 0);
    });
  }

  countdowns();
  setInterval(countdowns, 30000);

  // A select marked data-autosubmit (the availability switch) saves as soon as it changes.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") &&
        target.form) {
      target.form.requestSubmit();
    }
  });
  document.body.addEventListener("htmx:afterSwap", countdowns);
})();
