/* Countdown for a timed quiz attempt. The server enforces the deadline; this only shows it.
   Reads data-seconds-remaining from .timer, ticks every second, and announces the last five
   minutes and the last minute once each to screen readers. Keeps focused fields out from
   under the sticky bar. */
(function () {
  "use strict";
  var timer = document.querySelector(".timer[data-seconds-remaining]");
  if (!timer) { return; }
  var count = timer.querySelector(".timer-count");
  var shown = count.querySelector("strong");
  var announce = document.querySelector("[data-timer-announce]");
  var end = Date.now() + Number(timer.getAttribute("data-seconds-remaining")) * 1000;
  var said = {};
  count.hidden = false;
  // Room for the sticky bar above whatever gets focus or is scrolled to (WCAG 2.4.11): its
  // real height, which changes as it wraps; the stylesheet's estimate applies without this.
  function makeRoom() {
    document.documentElement.style.scrollPaddingTop = (timer.offsetHeight + 16) + "px";
  }
  makeRoom();
  window.addEventListener("resize", makeRoom);
  document.addEventListener("focusin", function (event) {
    var box = event.target.getBoundingClientRect();
    var bar = timer.getBoundingClientRect();
    if (box.top < bar.bottom && box.bottom > bar.top) {
      window.scrollBy(0, box.top - bar.bottom - 16);
    }
  });
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    shown.textContent = (minutes >= 60 ? Math.floor(minutes / 60) + ":" + pad(minutes % 60) : minutes) + ":" + pad(left % 60);
    [300, 60].forEach(function (mark) {
      if (left <= mark && left > 0 && !said[mark]) {
        said[mark] = true;
        if (announce) { announce.textContent = count.textContent.trim(); }
      }
    });
    if (left === 0) {
      timer.classList.add("timer-up");
      if (announce) { announce.textContent = timer.getAttribute("data-time-up"); }
      var save = document.querySelector('button[value="save"]');
      if (save) { save.disabled = true; }
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
