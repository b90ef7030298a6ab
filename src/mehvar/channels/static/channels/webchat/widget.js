/*
 * Mehvar web chat: one tag on the company's site,
 *   <script src="https://help.example.com/chat/widget.js" data-lang="fa" defer></script>
 * draws a launcher button and a chat panel inside a shadow root (the page's styles and ours
 * never touch), in the visitor's language and direction, and talks to the Mehvar that served
 * it (found from this script's own address).
 *
 * A session (and a customer in Mehvar) is made only when the visitor first writes; its
 * token is kept in localStorage so that the chat survives page changes. While the panel is
 * open the widget asks for new messages every 1.5 s, more slowly while closed or hidden.
 * Everything that comes from the server is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector('script[src*="/chat/widget.js"]');
  if (!script || window.__mehvarChatLoaded) {
    return;
  }
  window.__mehvarChatLoaded = true;

  var BASE = new URL(".", script.src).href; // ".../chat/", wherever Mehvar is mounted
  var STORE_KEY = "mehvar-chat-token:" + BASE;
  var POLL_OPEN_MS = 1500;
  var SURVEY_EVERY_POLLS = 6; // the survey is asked for on the first poll, then every sixth
  var POLL_CLOSED_MS = 15000;
  var POLL_HIDDEN_MS = 30000;
  var POLL_MAX_MS = 60000;
  var TYPING_EVERY_MS = 3000;
  var SEND_ATTEMPTS = 4;

  var STYLE = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    ".root { position: fixed; inset-block-end: 20px; inset-inline-end: 20px;",
    "  z-index: 2147483000; display: flex; flex-direction: column; align-items: flex-end;",
    "  gap: 12px; font: 15px/1.5 system-ui, Vazirmatn, 'Noto Sans Arabic', Tahoma,",
    "  'Segoe UI', sans-serif; color: #1b1f24; text-align: start; }",
    "button, input, textarea { font: inherit; color: inherit; }",
    ".launcher { display: inline-flex; align-items: center; gap: 8px; border: 0;",
    "  border-radius: 999px; padding-block: 12px; padding-inline: 18px; cursor: pointer;",
    "  background: #0b6e4f; color: #fff; font-weight: 600;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:hover { background: #095c42; }",
    ".launcher svg { inline-size: 20px; block-size: 20px; fill: currentColor; }",
    ".badge { min-inline-size: 20px; padding-inline: 6px; border-radius: 999px;",
    "  background: #fff; color: #0b6e4f; font-size: 12px; line-height: 20px; }",
    ":focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }",
    ".panel { display: flex; flex-direction: column; inline-size: min(370px, calc(100vw - 24px));",
    "  block-size: min(540px, calc(100vh - 110px)); background: #fff; border-radius: 14px;",
    "  border: 1px solid #d8dee4; box-shadow: 0 12px 40px rgba(0,0,0,.22); overflow: hidden; }",
    ".panel[hidden], [hidden] { display: none !important; }",
    ".head { display: flex; align-items: flex-start; gap: 8px; padding-block: 14px 10px;",
    "  padding-inline: 16px; background: #0b6e4f; color: #fff; }",
    ".head h2 { margin: 0; font-size: 17px; font-weight: 700; flex: 1; }",
    ".head p { margin: 4px 0 0; font-size: 13px; opacity: .92; }",
    ".close { border: 0; background: transparent; color: #fff; cursor: pointer;",
    "  font-size: 22px; line-height: 1; padding: 2px 6px; border-radius: 6px; }",
    ".messages { list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto;",
    "  display: flex; flex-direction: column; gap: 8px; background: #f6f8fa; }",
    ".msg { max-inline-size: 85%; display: flex; flex-direction: column; gap: 2px;",
    "  align-self: flex-start; }",
    ".msg.visitor { align-self: flex-end; }",
    ".bubble { margin: 0; padding-block: 8px; padding-inline: 12px; border-radius: 12px;",
    "  background: #fff; border: 1px solid #d8dee4; white-space: pre-wrap;",
    "  overflow-wrap: anywhere; }",
    ".visitor .bubble { background: #dff3ea; border-color: #b7e0cd; }",
    ".meta { font-size: 12px; color: #5b6470; display: flex; gap: 6px; flex-wrap: wrap; }",
    ".visitor .meta { justify-content: flex-end; }",
    ".pending .bubble { opacity: .7; }",
    ".failed .bubble { border-color: #a11d1d; }",
    ".retry { border: 0; background: none; color: #a11d1d; text-decoration: underline;",
    "  cursor: pointer; padding: 0; font-size: 12px; }",
    ".status { margin: 0; padding-inline: 12px; font-size: 13px; color: #a11d1d; min-block-size: 0; }",
    ".status.ok { color: #0b6e4f; }",
    ".status:empty { display: none; }",
    ".survey { margin: 0; padding: 8px 12px; border-block-start: 1px solid #ddd; }",
    ".survey fieldset { border: 0; margin: 0; padding: 0; }",
    ".survey legend { font-size: 14px; margin-block-end: 6px; }",
    ".survey .scores { display: flex; flex-wrap: wrap; gap: 4px; margin-block-end: 6px; }",
    ".survey .scores button { min-inline-size: 36px; min-block-size: 36px; }",
    ".survey textarea { inline-size: 100%; font: inherit; }",
    ".survey .ok { color: #0b6e4f; margin: 0; }",
    ".compose { display: flex; gap: 8px; padding: 10px 12px; border-block-start: 1px solid #d8dee4; }",
    ".compose textarea { flex: 1; resize: none; border: 1px solid #b6bec7; border-radius: 8px;",
    "  padding: 8px 10px; min-block-size: 44px; max-block-size: 120px; background: #fff; }",
    ".primary { border: 0; border-radius: 8px; background: #0b6e4f; color: #fff;",
    "  font-weight: 600; padding-inline: 14px; cursor: pointer; }",
    ".primary:disabled { opacity: .6; cursor: default; }",
    ".email { padding-block: 0 10px; padding-inline: 12px; font-size: 13px; }",
    ".email summary { cursor: pointer; color: #0b6e4f; }",
    ".email form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-block-start: 6px; }",
    ".email input { flex: 1; min-inline-size: 160px; border: 1px solid #b6bec7; border-radius: 8px;",
    "  padding: 6px 8px; }",
    ".email .primary { padding-block: 7px; }",
    ".sr { position: absolute; inline-size: 1px; block-size: 1px; overflow: hidden;",
    "  clip-path: inset(50%); white-space: nowrap; }",
    "@media (max-width: 480px) { .root { inset-block-end: 12px; inset-inline-end: 12px; }",
    "  .panel { inline-size: calc(100vw - 24px); block-size: calc(100vh - 90px); } }"
  ].join("\n");

  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

  // --- small helpers ---------------------------------------------------------------------

  function storeGet() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (error) { return null; }
  }
  function storeSet(value) {
    try {
      if (value) { window.localStorage.setItem(STORE_KEY, value); }
      else { window.localStorage.removeItem(STORE_KEY); }
    } catch (error) { /* storage off (private mode, sandbox): the chat lasts one page */ }
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function wantedLanguage() {
    return script.getAttribute("data-lang") || document.documentElement.lang ||
      navigator.language || "en";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // --- the widget ------------------------------------------------------------------------

  function start(config) {
    var text = config.strings;
    var lang = config.lang;
    var timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
    var state = {
      token: storeGet(), sessionPromise: null, lastId: 0, open: false, unread: 0,
      timer: null, polling: false, failures: 0, lastTyping: 0, hasMessages: false,
      historyShown: false
    };

    var host = element("div", { id: "mehvar-chat" });
    var shadow = host.attachShadow({ mode: "open" });
    var style = element("style");
    style.textContent = STYLE;
    var root = element("div", { "class": "root", dir: config.dir, lang: lang });

    var panel = element("section", {
      "class": "panel", id: "mc-panel", role: "dialog", "aria-labelledby": "mc-title",
      "aria-describedby": "mc-intro", dir: config.dir, lang: lang, hidden: ""
    });
    var head = element("div", { "class": "head" });
    var heading = element("div", { style: "flex: 1" });
    heading.appendChild(element("h2", { id: "mc-title" }, text.title));
    heading.appendChild(element("p", { id: "mc-intro" }, text.intro));
    var closeButton = element("button", { type: "button", "class": "close",
      "aria-label": text.close }, "\u00d7");
    head.appendChild(heading);
    head.appendChild(closeButton);

    var list = element("ol", { "class": "messages", "aria-live": "polite",
      "aria-relevant": "additions", "aria-label": text.messages_label, tabindex: "0" });
    var status = element("p", { "class": "status", role: "status" });

    var compose = element("form", { "class": "compose" });
    compose.appendChild(element("label", { "for": "mc-text", "class": "sr" },
      text.message_label));
    var input = element("textarea", { id: "mc-text", rows: "2", dir: "auto",
      placeholder: text.message_label, autocomplete: "off" });
    var sendButton = element("button", { type: "submit", "class": "primary" }, text.send);
    compose.appendChild(input);
    compose.appendChild(sendButton);

    var email = element("details", { "class": "email" });
    email.appendChild(element("summary", {}, text.email_toggle));
    var emailForm = element("form", {});
    emailForm.appendChild(element("label", { "for": "mc-email", "class": "sr" },
      text.email_label));
    var emailInput = element("input", { id: "mc-email", type: "email", dir: "ltr",
      autocomplete: "email", required: "", placeholder: text.email_label, maxlength: "254" });
    var emailButton = element("button", { type: "submit", "class": "primary" },
      text.email_send);
    emailForm.appendChild(emailInput);
    emailForm.appendChild(emailButton);
    email.appendChild(emailForm);

    panel.appendChild(head);
    panel.appendChild(list);
    // The survey, once the chat is solved: a comment (optional), then one click on a score.
    var surveyBox = element("form", { "class": "survey", hidden: "" });
    panel.appendChild(status);
    panel.appendChild(surveyBox);
    panel.appendChild(compose);
    panel.appendChild(email);

    var launcher = element("button", { type: "button", "class": "launcher",
      "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "mc-panel" });
    launcher.innerHTML = ICON; // a constant of this file, not data
    var launcherLabel = element("span", {}, text.open);
    var badge = element("span", { "class": "badge", hidden: "" });
    launcher.appendChild(launcherLabel);
    launcher.appendChild(badge);

    root.appendChild(panel);
    root.appendChild(launcher);
    shadow.appendChild(style);
    shadow.appendChild(root);
    document.body.appendChild(host);

    // --- talking to Mehvar ---------------------------------------------------------------

    function api(method, path, body) {
      var headers = { "Accept-Language": lang };
      if (state.token) { headers.Authorization = "Bearer " + state.token; }
      if (body !== undefined) { headers["Content-Type"] = "application/json"; }
      return fetch(BASE + path, {
        method: method, headers: headers, mode: "cors", credentials: "omit",
        cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (!response.ok) {
            var error = new Error((data && data.detail) || String(response.status));
            error.status = response.status;
            error.code = data && data.error;
            throw error;
          }
          return data;
        });
      });
    }

    function ensureSession() {
      if (state.token) { return Promise.resolve(state.token); }
      if (!state.sessionPromise) {
        state.sessionPromise = api("POST", "sessions", {
          language: lang, page_url: window.location.href
        }).then(function (data) {
          state.token = data.token;
          state.historyShown = true; // a new chat has no history to hide
          storeSet(state.token);
          return state.token;
        }).finally(function () { state.sessionPromise = null; });
      }
      return state.sessionPromise;
    }

    function forgetSession() {
      state.token = null;
      state.lastId = 0;
      state.historyShown = false;
      storeSet(null);
    }

    // --- messages ------------------------------------------------------------------------

    function setStatus(message, ok) {
      status.textContent = message || "";
      status.classList.toggle("ok", Boolean(ok));
    }

    function messageItem(isVisitor) {
      var item = element("li", { "class": "msg " + (isVisitor ? "visitor" : "agent") });
      var meta = element("span", { "class": "meta" });
      meta.appendChild(element("bdi", { "class": "name" }));
      meta.appendChild(element("time", {}));
      meta.appendChild(element("span", { "class": "state" }));
      item.appendChild(meta);
      item.appendChild(element("p", { "class": "bubble", dir: "auto" }));
      return item;
    }

    function fill(item, message) {
      item.querySelector(".name").textContent = message.author === "visitor" ? text.you
        : (message.name || text.support);
      var time = item.querySelector("time");
      time.setAttribute("datetime", message.created_at);
      time.textContent = timeFormat.format(new Date(message.created_at));
      item.querySelector(".bubble").textContent = message.text;
      item.querySelector(".state").textContent = "";
      item.classList.remove("pending", "failed");
      item.setAttribute("data-id", String(message.id));
    }

    function scrollToEnd() {
      list.scrollTop = list.scrollHeight;
    }

    function show(messages) {
      var agentReplies = 0;
      messages.forEach(function (message) {
        if (list.querySelector('[data-id="' + message.id + '"]')) { return; }
        var item = message.client_id &&
          list.querySelector('[data-client="' + message.client_id + '"]');
        if (!item) {
          item = messageItem(message.author === "visitor");
          list.appendChild(item);
        }
        fill(item, message);
        if (message.author !== "visitor") { agentReplies += 1; }
        state.hasMessages = true;
      });
      if (messages.length) { scrollToEnd(); }
      // The history an earlier page already showed is not news.
      if (agentReplies && !state.open && state.historyShown) {
        state.unread += agentReplies;
        badge.textContent = String(state.unread);
        badge.setAttribute("aria-label", text.new_reply);
        badge.hidden = false;
      }
    }

    function markState(item, name, label) {
      item.classList.remove("pending", "failed");
      if (name) { item.classList.add(name); }
      var slot = item.querySelector(".state");
      slot.textContent = label || "";
      if (name === "failed") {
        var retry = element("button", { type: "button", "class": "retry" }, text.retry);
        retry.addEventListener("click", function () {
          deliver(item.getAttribute("data-client"), item.querySelector(".bubble").textContent,
            item);
        });
        slot.appendChild(document.createTextNode(" "));
        slot.appendChild(retry);
      }
    }

    function deliver(clientId, body, item) {
      markState(item, "pending", text.sending);
      var attempt = 0;
      function trySend() {
        attempt += 1;
        return ensureSession().then(function () {
          return api("POST", "messages", { client_id: clientId, text: body });
        }).then(function () {
          markState(item, "", "");
          setStatus("");
          schedule(400);
        }).catch(function (error) {
          if (error.status === 401 && attempt < SEND_ATTEMPTS) {
            forgetSession(); // the session is gone: a new one takes this message
            return trySend();
          }
          if (error.status === 429) {
            setStatus(text.too_fast);
            markState(item, "failed", text.failed);
            return null;
          }
          if (error.status && error.status < 500) {
            setStatus(error.message || text.error);
            markState(item, "failed", text.failed);
            return null;
          }
          if (attempt < SEND_ATTEMPTS) { // the network or the server: the same id again
            return sleep(1000 * Math.pow(2, attempt - 1)).then(trySend);
          }
          setStatus(text.offline);
          markState(item, "failed", text.failed);
          return null;
        });
      }
      return trySend();
    }

    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) { return; }
      var clientId = uuid4();
      var item = messageItem(true);
      item.setAttribute("data-client", clientId);
      item.querySelector(".name").textContent = text.you;
      item.querySelector(".bubble").textContent = body;
      list.appendChild(item);
      scrollToEnd();
      input.value = "";
      input.focus();
      state.hasMessages = true;
      deliver(clientId, body, item);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendButton.click();
      }
    });

    input.addEventListener("input", function () {
      var now = Date.now();
      if (!state.token || now - state.lastTyping < TYPING_EVERY_MS) { return; }
      state.lastTyping = now;
      api("POST", "typing").catch(function () { /* only a hint to the agent */ });
    });

    emailForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var address = emailInput.value.trim();
      if (!emailInput.checkValidity() || !address) {
        setStatus(text.email_invalid);
        emailInput.focus();
        return;
      }
      if (!state.token || !state.hasMessages) {
        setStatus(text.email_nothing);
        return;
      }
      emailButton.disabled = true;
      var zone = "";
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) {}
      api("POST", "email", { email: address }).then(function () {
        return api("POST", "transcript", { time_zone: zone });
      }).then(function (data) {
        setStatus(text.email_sent.replace("%(email)s", data.email), true);
      }).catch(function (error) {
        setStatus(error.code === "chat_conversation_missing" ? text.email_nothing
          : (error.message || text.error));
      }).finally(function () { emailButton.disabled = false; });
    });

    // --- the survey ----------------------------------------------------------------------

    function showSurvey(offer) {
      if (!offer) { return; }
      if (offer.answered) {
        state.surveyDone = true;
        surveyBox.textContent = "";
        surveyBox.appendChild(element("p", { "class": "ok", role: "status" },
          text.survey_thanks));
        surveyBox.hidden = false;
        return;
      }
      if (surveyBox.getAttribute("data-id") === String(offer.id)) { return; }
      surveyBox.setAttribute("data-id", String(offer.id));
      surveyBox.textContent = "";
      var fieldset = element("fieldset", { lang: offer.language });
      fieldset.appendChild(element("legend", { dir: "auto" }, offer.question));
      fieldset.appendChild(element("textarea", { rows: "2", dir: "auto", maxlength: "5000",
        "aria-label": offer.comment, placeholder: offer.comment }));
      var scores = element("div", { "class": "scores" });
      for (var score = offer.low; score <= offer.high; score += 1) {
        scores.appendChild(element("button", { type: "submit", value: String(score) },
          String(score)));
      }
      fieldset.appendChild(scores);
      surveyBox.appendChild(fieldset);
      surveyBox.hidden = false;
    }

    surveyBox.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (!button || !button.value) { return; }
      var comment = surveyBox.querySelector("textarea");
      api("POST", "survey", { score: Number(button.value),
        comment: comment ? comment.value : "" }).then(function () {
        showSurvey({ answered: true });
      }).catch(function (error) { setStatus(error.message || text.error); });
    });

    function checkSurvey() {
      if (!state.token || state.surveyDone) { return; }
      api("GET", "survey").then(function (data) { showSurvey(data.survey); })
        .catch(function () { /* asked again on a later poll */ });
    }

    // --- polling -------------------------------------------------------------------------

    function delay() {
      var wait = document.hidden ? POLL_HIDDEN_MS : state.open ? POLL_OPEN_MS : POLL_CLOSED_MS;
      return Math.min(POLL_MAX_MS, wait * Math.pow(2, Math.min(state.failures, 5)));
    }

    function schedule(ms) {
      clearTimeout(state.timer);
      if (state.token) { state.timer = setTimeout(poll, ms === undefined ? delay() : ms); }
    }

    function poll() {
      if (!state.token || state.polling) { return; }
      state.polling = true;
      api("GET", "messages?after=" + state.lastId).then(function (data) {
        state.failures = 0;
        show(data.messages);
        state.historyShown = true;
        state.lastId = Math.max(state.lastId, data.last_id);
        state.polls = (state.polls || 0) + 1;
        if (state.polls % SURVEY_EVERY_POLLS === 1) { checkSurvey(); }
      }).catch(function (error) {
        if (error.status === 401) { forgetSession(); return; }
        state.failures += 1;
      }).finally(function () {
        state.polling = false;
        schedule();
      });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { schedule(0); }
    });

    // --- opening and closing -------------------------------------------------------------

    function setOpen(open) {
      state.open = open;
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        state.unread = 0;
        badge.hidden = true;
        badge.textContent = "";
        scrollToEnd();
        input.focus();
        schedule(0);
      } else {
        launcher.focus();
        schedule();
      }
    }

    launcher.addEventListener("click", function () { setOpen(!state.open); });
    closeButton.addEventListener("click", function () { setOpen(false); });
    root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state.open) {
        event.stopPropagation();
        setOpen(false);
      }
    });

    if (state.token) { schedule(0); } // a chat from an earlier page: show its history
  }

  function load() {
    var url = BASE + "strings?lang=" + encodeURIComponent(wantedLanguage());
    fetch(url, { mode: "cors", credentials: "omit" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(start).catch(function (error) {
      // Without its strings the widget cannot speak the visitor's language: it stays away
      // rather than show a broken chat.
      if (window.console) { window.console.warn("Mehvar chat is unavailable:", error); }
    });
  }

  if (document.body) { load(); }
  else { document.addEventListener("DOMContentLoaded", load); }
})();
