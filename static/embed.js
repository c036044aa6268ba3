/* Megáfono, inside the widget's iframe: report our height to the page that embeds us, send forms
   without reloading the frame, and move focus to what just changed. Everything works without it. */
(function () {
  "use strict";

  var parentOrigin = null;
  var lastHeight = 0;
  var maxHeight = 0;
  // The sites that may frame this page (its frame-ancestors), as the server wrote them.
  var allowed = (document.body.getAttribute("data-parent-origins") || "").split(" ");

  function reportHeight() {
    if (!parentOrigin) return;
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    // Within the loader's limit the frame is exactly our height and we never scroll; past it,
    // the frame stops growing and we scroll inside, so nothing is ever out of reach.
    document.documentElement.classList.toggle("is-sized", height <= maxHeight);
    if (height === lastHeight) return;
    lastHeight = height;
    // Only the height ever leaves the frame: nothing a supporter typed.
    window.parent.postMessage({ megafono: "height", height: height }, parentOrigin);
  }

  // The loader on the partner page says hello; we answer only our real parent, and only at an
  // origin allowed to frame us.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.megafono !== "hello") return;
    if (allowed.indexOf("*") < 0 && allowed.indexOf(event.origin) < 0) return;
    parentOrigin = event.origin;
    maxHeight = +data.max || 0;
    lastHeight = 0;
    reportHeight();
  });

  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.body);
  } else {
    window.addEventListener("resize", reportHeight);
  }

  // Focus also scrolls the partner's page to us, so a supporter who was at the bottom of a long
  // form sees the thank-you (or the first error) rather than the page below it.
  function focusWhatChanged(root) {
    var target = root.querySelector("[data-focus]");
    if (!target) return;
    target.focus();
    // In a field with an error, put the caret after what was typed, ready to correct it.
    if (target.value) {
      var typed = target.value;
      target.value = "";
      target.value = typed;
    }
  }

  // A problem on our side must not wipe out what the supporter typed: say so above the form, a
  // paragraph for each line, the first in bold when a message follows it.
  function showNotice(form, lines) {
    var alerts = form.querySelector(".form__alerts");
    if (!alerts) return;
    var notice = document.createElement("div");
    notice.className = "notice";
    notice.setAttribute("role", "alert");
    notice.tabIndex = -1;
    lines.forEach(function (line, index) {
      var text = document.createElement("p");
      var words = index === 0 && lines.length > 1 ? text.appendChild(document.createElement("strong")) : text;
      words.textContent = line;
      notice.appendChild(text);
    });
    alerts.replaceChildren(notice);
    notice.focus();
  }

  // The answer that could not be shown (a 503 or 429 page, say): its heading and its message. With
  // no answer at all, the form's own words for a lost connection.
  function showFailure(form, answer) {
    var lines = answer ? Array.prototype.map.call(answer.querySelectorAll("h1, p"), function (part) {
      return part.textContent.replace(/\s+/g, " ").trim();
    }) : [];
    showNotice(form, lines.length ? lines : [form.getAttribute("data-network-error")]);
  }

  // Mid-way through a call-in, this tab keeps its place (the signed visit token) in its session
  // storage, so that a reload, or a tab the phone closed while the supporter was dialing, comes
  // back at the same call rather than at an empty form. The server takes it back only within half
  // an hour of the last step, and never fills the form in from an older one. The token carries
  // what was typed for the script (ZIP code, name, city), readable on the phone: it is dropped
  // when the call-in ends and when the widget is opened afresh, and lasts at most as long as the
  // tab. Where the browser refuses storage, a reload starts over, as without this script.
  var visitKey = "megafono.visit:" + window.location.pathname;

  function rememberVisit(root) {
    var visit = root.querySelector("input[name=visit]");
    try {
      if (visit) window.sessionStorage.setItem(visitKey, visit.value);
      else window.sessionStorage.removeItem(visitKey);
    } catch (error) {}
  }

  function resumeVisit() {
    if (!document.querySelector("#widget form.form input[name=step][value=start]")) return false;
    var saved = null;
    try { saved = window.sessionStorage.getItem(visitKey); } catch (error) {}
    // A reload, or the browser bringing the tab back: not the widget opened again from a link.
    var arrival = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var returning = arrival && (arrival.type === "reload" || arrival.type === "back_forward");
    if (!saved || !returning || !window.fetch || !window.DOMParser) {
      rememberVisit(document);  // no visit on this page: whatever was kept goes
      return false;
    }
    var data = new FormData();
    data.append("visit", saved);
    data.append("step", "resume");
    // Focus stays where it is: moving it would scroll the partner's page as it loads. Not
    // answered (no signal yet, say): the form stays, and the next reload tries again.
    postAndShow(window.location.href, data, function () {}, function () {});
    return true;
  }

  // Post a form's data and show the widget state that comes back in place of this one; `failed`
  // is called, with what came back (if anything did), when it cannot be shown.
  function postAndShow(address, data, failed, shown) {
    fetch(address, { method: "POST", body: data, credentials: "omit" })
      .then(function (response) {
        return response.text().then(function (html) {
          // The page's own style block carries another response's nonce: leave it out.
          var page = new DOMParser().parseFromString(html.replace(/<style[\s\S]*?<\/style>/gi, ""), "text/html");
          var next = page.getElementById("widget");
          if (!next) throw new Error("unexpected response");
          if (response.status >= 500 || response.status === 429 || response.status === 413) {
            failed(next);
            return;
          }
          document.getElementById("widget").replaceWith(next);
          document.title = page.title;
          // The new state may be in another language: screen readers read it in that one.
          document.documentElement.lang = page.documentElement.lang;
          rememberVisit(next);
          shown(next, response);
          prepareSharing(next);
        });
      })
      .catch(function () { failed(null); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !window.DOMParser || form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) {
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
    }
    var data = new FormData(form);
    // The button pressed carries a choice too (a call's outcome); a plain FormData leaves it out.
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    postAndShow(form.action, data, function (next) {
      if (button) button.removeAttribute("aria-busy");
      showFailure(form, next);
    }, function (next, response) {
      // After a signature the URL is the thank-you page: a reload shows it, not the form again.
      if (response.redirected) window.history.replaceState(null, "", response.url);
      // Mid-way through a call-in, a reload comes back in the language chosen.
      else if (form.closest(".language-switch")) window.history.replaceState(null, "", form.action);
      focusWhatChanged(next);
    });
  });

  // Whether the supporter has typed or ticked anything in a form (the trap for robots aside).
  function typedInto(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.closest(".trap") || /^(hidden|submit|button)$/.test(field.type)) return false;
      return field.type === "checkbox" || field.type === "radio" ? field.checked : field.value.trim() !== "";
    });
  }

  // The language switch is made of links. A supporter who has typed something takes it along:
  // the form goes, by post, to the other language's address, which shows it again, filled in,
  // and keeps nothing. With nothing typed (or without this script) the link simply opens.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".language-switch a");
    var form = document.querySelector("#widget form.form");
    if (!link || !form || !window.fetch || !window.DOMParser || !typedInto(form)) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    // The form is on its way already: its answer decides what comes next.
    var button = form.querySelector("[type=submit]");
    if (button && button.getAttribute("aria-busy") === "true") return;
    var data = new FormData(form);
    data.set("step", "language");
    postAndShow(link.href, data, function (next) {
      showFailure(form, next);  // what was typed stays where it is
    }, function (next) {
      window.history.replaceState(null, "", link.href);
      var chosen = next.querySelector(".language-switch [aria-current]");
      if (chosen) chosen.focus();
    });
  });

  // The card is fetched as soon as the thank-you shows: a share sheet must open inside the click
  // itself, with no waiting, so the file has to be ready before it.
  var cardFile = null;

  // A frame must be allowed to share (allow="web-share"); older snippets did not ask for it.
  function framePermits(feature) {
    var policy = document.permissionsPolicy || document.featurePolicy;
    return !policy || !policy.allowsFeature || policy.allowsFeature(feature);
  }

  function prepareSharing(root) {
    var share = root.querySelector("[data-share]");
    if (share && navigator.canShare && window.File && framePermits("web-share")) {
      fetch(share.getAttribute("data-file"), { credentials: "omit" })
        .then(function (response) {
          if (!response.ok) throw new Error("card " + response.status);
          return response.blob();
        })
        .then(function (blob) {
          var file = new File([blob], share.getAttribute("data-file-name"), { type: "image/png" });
          if (!navigator.canShare({ files: [file] })) return;
          cardFile = file;
          share.hidden = false;
        })
        .catch(function () {});
    }
    var copy = root.querySelector("[data-copy]");
    if (copy && navigator.clipboard) copy.hidden = false;
  }

  // Emptied first, so a screen reader announces the message again on a second press.
  function announce(status, message) {
    status.textContent = "";
    setTimeout(function () { status.textContent = message; }, 50);
  }

  document.addEventListener("click", function (event) {
    var share = event.target.closest("[data-share]");
    if (share && cardFile) {
      navigator.share({ files: [cardFile], text: share.getAttribute("data-text") }).catch(function () {});
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var status = copy.closest(".share").querySelector(".share__status");
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(
        function () { announce(status, status.getAttribute("data-copied")); },
        function () { announce(status, status.getAttribute("data-copy-failed")); }
      );
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (resumeVisit()) return;
    focusWhatChanged(document);
    prepareSharing(document);
  });
})();
