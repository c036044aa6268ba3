/* The embed-code page: copy with one click, and refresh the code and preview as options change
   (the form's button does the same without JavaScript). */
(function () {
  "use strict";
  var form = document.getElementById("embed-options");

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

  function wireCopyButton() {
    var button = document.getElementById("copy");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", copy);
  }

  function refresh() {
    var address = form.action + "?" + new URLSearchParams(new FormData(form));
    var focused = document.activeElement && document.activeElement.id;
    fetch(address, { credentials: "omit" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("code-page");
        if (!next) return;
        document.getElementById("code-page").replaceWith(next);
        window.history.replaceState(null, "", address);
        if (window.megafonoLoad) window.megafonoLoad();
        start();
        // Put the keyboard back where it was: the page changed, the person's place did not.
        var again = focused && document.getElementById(focused);
        if (again) again.focus();
      });
  }

  function start() {
    form = document.getElementById("embed-options");
    if (form && window.fetch) {
      form.addEventListener("change", refresh);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        refresh();
      });
    }
    wireCopyButton();
  }
  start();
})();
