/* Megáfono loader. Put it once on a page, then as many widgets as you like:
   <div data-megafono="SLUG" data-lang="es" data-source="CODE" data-theme="#0b6e4f"><a href="…">…</a></div>
   Each div becomes a titled, lazy iframe that keeps the height of its content. */
(function (win, doc) {
  "use strict";
  var script = doc.currentScript;
  if (!script || !win.fetch || !win.URLSearchParams) return;
  var origin = new URL(script.src).origin;
  var frames = [];
  // Taller than this, the frame stops growing and scrolls inside instead.
  var MAX_HEIGHT = 20000;
  var SLUG = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;
  var LANG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z]{2})?$/;
  var CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  var COLOR = /^#[0-9a-fA-F]{6}$/;

  function warn(message) {
    if (win.console) console.warn("Megáfono: " + message);
  }

  function param(params, name, value, pattern) {
    if (!value) return;
    if (pattern.test(value)) params.set(name, value);
    else warn("ignoring data-" + name + "=" + JSON.stringify(value));
  }

  function build(box) {
    box.setAttribute("data-megafono-ready", "");
    var slug = box.getAttribute("data-megafono");
    if (!SLUG.test(slug)) {
      return warn("ignoring data-megafono=" + JSON.stringify(slug) + ": use the campaign name in lower case");
    }
    var data = box.dataset, params = new URLSearchParams();
    param(params, "lang", data.lang, LANG);
    if (!params.has("lang") && LANG.test(doc.documentElement.lang)) params.set("page_lang", doc.documentElement.lang);
    param(params, "source", data.source, CODE);
    param(params, "theme", data.theme, COLOR);
    // Ask first whether the campaign exists and may be shown here, so nothing broken appears.
    fetch(origin + "/api/v1/campaigns/" + slug + "?" + params, { credentials: "omit" })
      .then(function (response) {
        if (response.ok) return response.json();
        warn(response.status === 404 ? "no campaign named " + slug : "could not load " + slug + " (" + response.status + ")");
      }, function () {
        warn("could not reach " + origin);
      })
      .then(function (campaign) {
        if (!campaign) return;
        if (!campaign.may_embed) return warn("this site may not show " + slug);
        var frame = doc.createElement("iframe");
        frame.src = origin + "/embed/" + slug + "?" + params;
        frame.title = campaign.frame_title;
        frame.loading = "lazy";
        frame.allow = "web-share; clipboard-write";
        frame.style.cssText = "display:block;width:100%;height:" + campaign.height + "px;border:0";
        frame.addEventListener("load", function () {
          frame.contentWindow.postMessage({ megafono: "hello", max: MAX_HEIGHT }, origin);
        });
        frames.push(frame);
        box.textContent = "";
        box.appendChild(frame);
      });
  }

  win.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.megafono !== "height") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow !== event.source) continue;
      frames[i].style.height = Math.min(Math.max(Math.ceil(+data.height) || 0, 120), MAX_HEIGHT) + "px";
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
