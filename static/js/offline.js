/* Offline re-reading (docs/offline.md). Registers the service worker (templates/offline/sw.js),
   shows a lesson's "you are offline" note while there is no connection, lists the lessons kept
   on this device on the offline page, and forgets them on a page shown to someone signed out
   (for browsers that ignore the Clear-Site-Data header sent on signing out). */
(function () {
  "use strict";
  var LESSONS = "elearn-lessons"; // the worker's cache of lessons (templates/offline/sw.js)
  var script = document.currentScript;

  if ("serviceWorker" in navigator && script && script.getAttribute("data-worker")) {
    navigator.serviceWorker.register(script.getAttribute("data-worker"), { scope: "/" })
      .catch(function () { /* no worker: pages work as before, online only */ });
  }

  if (window.caches && document.querySelector('meta[name="elearn-signed-out"]')) {
    window.caches.delete(LESSONS);
  }

  var notes = document.querySelectorAll("[data-offline-note]");
  function showNotes() {
    for (var i = 0; i < notes.length; i++) { notes[i].hidden = navigator.onLine; }
  }
  if (notes.length) {
    showNotes();
    window.addEventListener("online", showNotes);
    window.addEventListener("offline", showNotes);
  }

  var list = document.querySelector("[data-offline-lessons]");
  if (!list || !window.caches) { return; }
  window.caches.open(LESSONS).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) {
        return cache.match(key).then(function (response) { return response.text(); })
          .then(function (html) {
            var page = new DOMParser().parseFromString(html, "text/html");
            return { url: key.url, heading: page.querySelector("h1") };
          });
      }));
    });
  }).then(function (lessons) {
    lessons.reverse().forEach(function (lesson) { // the latest read first
      if (!lesson.heading) { return; }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = lesson.url;
      link.textContent = lesson.heading.textContent.trim();
      ["lang", "dir"].forEach(function (name) {
        if (lesson.heading.getAttribute(name)) { link.setAttribute(name, lesson.heading.getAttribute(name)); }
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    if (list.children.length) {
      list.hidden = false;
      var none = document.querySelector("[data-offline-none]");
      if (none) { none.hidden = true; }
    }
  });
})();
