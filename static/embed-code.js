/* The embed-code page: copy with one click, and refresh the code and preview as options change
   (the form's button does the same without JavaScript). */
(function () {
  "use strict";
  var lastFocused = null;
  var latest = 0;

  // A change is reported when a field loses focus, after the keyboard has moved on: remember
  // where it went, so the refreshed page can put it back there.
  document.addEventListener("focusin", function (event) {
    if (event.target.id) lastFocused = event.target.id;
  });

  function copy() {
    var snippet = document.getElementById("snippet");
    var status = document.getElementById("copy-status");
    function say(key) { status.textContent = status.getAttribute(key); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(snippet.value).then(function () { say("data-copied"); }, function () {
        snippet.select();
        say("data-failed");
      });
    } else {
      snippet.select();
      say(document.execCommand && document.execCommand("copy") ? "data-copied" : "data-failed");
    }
  }

  function refresh(form) {
    var address = form.action + "?" + new URLSearchParams(new FormData(form));
    var request = ++latest;
    fetch(address, { credentials: "omit" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (request !== latest) return; // a newer choice is on its way
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("code-page");
        if (!next) return;
        document.getElementById("code-page").replaceWith(next);
        window.history.replaceState(null, "", address);
        if (window.megafonoLoad) window.megafonoLoad();
        start();
        var again = lastFocused && document.getElementById(lastFocused);
        if (again) again.focus();
      })
      .catch(function () { form.submit(); });
  }

  function start() {
    var form = document.getElementById("embed-options");
    if (form && window.fetch) {
      document.getElementById("update").hidden = true;
      form.addEventListener("change", function () { refresh(form); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        refresh(form);
      });
    }
    var color = document.getElementById("theme");
    if (color) {
      color.addEventListener("input", function () { document.getElementById("custom-color").checked = true; });
    }
    var button = document.getElementById("copy");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", copy);
    }
  }
  start();
})();
