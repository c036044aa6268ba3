/* Megáfono loader. Put it once on a page, then as many widgets as you like:
   <div data-megafono="SLUG" data-lang="es" data-source="CODE" data-theme="#0b6e4f"><a href="…">…</a></div>
   Each div becomes a titled, lazy iframe that keeps the height of its content. */
(function (win, doc) {
  "use strict";
  var script = doc.currentScript;
  if (!script || !win.fetch || !win.URLSearchParams) return;
  var origin = new URL(script.src).origin;
  var frames = [];
  var SLUG = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;
  var LANG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z]{2})?$/;
  var CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  function warn(message) {
    if (win.console) console.warn("Megáfono: " + message);
  }

  function param(params, name, value, pattern) {
    if (value && pattern.test(value)) params.set(name, value);
  }

  function build(box) {
    box.setAttribute("data-megafono-ready", "");
    var slug = box.getAttribute("data-megafono");
    if (!SLUG.test(slug)) return warn("ignoring a widget with a malformed campaign name");
    var data = box.dataset, params = new URLSearchParams();
    param(params, "lang", data.lang, LANG);
    if (!params.has("lang")) param(params, "page_lang", doc.documentElement.lang, LANG);
    param(params, "source", data.source, CODE);
    param(params, "theme", data.theme, COLOUR);
    // Ask first whether the campaign exists and may be shown here, so nothing broken appears.
    fetch(origin + "/api/v1/campaigns/" + slug + "?" + params, { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (campaign) {
        if (!campaign.may_embed) return warn("this site may not show " + slug);
        var frame = doc.createElement("iframe");
        frame.src = origin + "/embed/" + slug + "?" + params;
        frame.title = campaign.frame_title;
        frame.loading = "lazy";
        frame.style.cssText = "display:block;width:100%;height:" + (campaign.height || 900) + "px;border:0;overflow:hidden";
        frame.addEventListener("load", function () {
          frame.contentWindow.postMessage({ megafono: "hello" }, origin);
        });
        frames.push(frame);
        box.replaceChildren(frame);
      })
      .catch(function () {
        warn("no campaign named " + slug);
      });
  }

  win.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.megafono !== "height") return;
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      frame.style.height = Math.min(Math.max(Math.ceil(+data.height) || 0, 120), 8000) + "px";
    }
  });

  function start() {
    var boxes = doc.querySelectorAll("[data-megafono]:not([data-megafono-ready])");
    for (var i = 0; i < boxes.length; i++) build(boxes[i]);
  }
  // Pages that add widgets after loading (single-page apps) call megafonoLoad() again.
  win.megafonoLoad = start;
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})(window, document);
