/* The service worker: lessons a participant opened, readable again without a connection
   (docs/offline.md). Rendered by elearn/offline.py at /sw.js, with the static files' version.

   - Pages: from the network; when there is none, the kept copy of a lesson, or else the
     offline page. A page is kept only when the server marks it (elearn/offline.py), with its
     personal parts (between offline:omit comments) cut out.
   - The stylesheet and the page script (static/js/offline.js): from the network (the browser's cache
     first), else the copy kept at install.
   - Nothing else is touched: POSTs, the API, quizzes and every other request go to the network
     as if there were no worker. */
"use strict";

const VERSION = "{{ version|escapejs }}";
const SHELL = "elearn-shell-" + VERSION; // the stylesheet, the page script, the offline page
const LESSONS = "elearn-lessons"; // kept across versions; static/js/offline.js lists it
const STYLESHEET = "{{ stylesheet|escapejs }}";
const SCRIPT = "{{ script|escapejs }}";
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const HEADER = "{{ header|escapejs }}";
const MAX_LESSONS = 60; // a course or two; the oldest go first
const OMIT = /<!--offline:omit-->[\s\S]*?<!--\/offline:omit-->/g;
const DROPPED_HEADERS = ["Content-Encoding", "Content-Length", "ETag", "Last-Modified", "Vary"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => Promise.all([cache.addAll([STYLESHEET, SCRIPT]), keepPage(cache, OFFLINE_URL)]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("elearn-shell-") && name !== SHELL)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (request.destination === "style" || request.destination === "script") {
    event.respondWith(asset(request));
  }
});

function lessonKey(request) {
  const url = new URL(request.url);
  return url.origin + url.pathname;
}

async function page(event) {
  const request = event.request;
  const key = lessonKey(request);
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    return (await kept(key)) || (await caches.match(OFFLINE_URL, { cacheName: SHELL })) || Response.error();
  }
  if (response.ok && response.headers.get(HEADER) === "lesson") {
    event.waitUntil(keepLesson(key, response.clone()));
  } else if (response.status >= 500) {
    return (await kept(key)) || response; // the server is down, not the connection
  } else {
    // No longer a page to keep (signed out, withdrawn, gone): its copy goes too.
    event.waitUntil(caches.open(LESSONS).then((cache) => cache.delete(key)));
  }
  return response;
}

function kept(key) {
  return caches.match(key, { cacheName: LESSONS, ignoreVary: true });
}

async function asset(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    // An older copy of a lesson names an older stylesheet: the current one stands in.
    const current = request.destination === "style" ? STYLESHEET : SCRIPT;
    return (
      (await caches.match(request, { ignoreSearch: true })) ||
      (await caches.match(current, { cacheName: SHELL })) ||
      Response.error()
    );
  }
}

async function withoutPersonalParts(response) {
  const html = (await response.text()).replace(OMIT, "");
  const headers = new Headers(response.headers);
  DROPPED_HEADERS.forEach((name) => headers.delete(name));
  return new Response(html, { status: 200, headers: headers });
}

async function keepPage(cache, url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.ok) {
    await cache.put(url, await withoutPersonalParts(response));
  }
}

async function keepLesson(key, response) {
  const copy = await withoutPersonalParts(response);
  const cache = await caches.open(LESSONS);
  await cache.delete(key); // so that it is the newest of the keys
  await cache.put(key, copy);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_LESSONS)).map((old) => cache.delete(old)));
  // The offline page in the language the lessons are read in.
  const language = response.headers.get("Content-Language");
  const shell = await caches.open(SHELL);
  const offline = await shell.match(OFFLINE_URL);
  if (language && (!offline || offline.headers.get("Content-Language") !== language)) {
    await keepPage(shell, OFFLINE_URL);
  }
}
