"""Offline re-reading: the service worker's script, the offline page, and which pages it may keep.

The worker (templates/offline/sw.js, served at /sw.js so that it controls the whole site) keeps
the lessons a signed-in participant opened, the site's stylesheet and the offline page, and
nothing else: a page is kept only when the server marks it with `OFFLINE_COPY_HEADER`
(`allow_offline_copy`), so quizzes, the API, profiles, reports and certificates never are. The
parts of a kept page that are about the person (navigation, progress, forms and their CSRF
tokens, messages) sit between `<!--offline:omit-->` and `<!--/offline:omit-->` and are cut out
before the copy is stored. Signing out clears the copies (accounts.views.LogoutView).
docs/offline.md tells the whole story.
"""

import hashlib
import os
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

OFFLINE_COPY_HEADER = "X-Offline-Copy"
# Clear-Site-Data on signing out: "storage" removes the worker and its kept lessons, "cache"
# the browser's own copies of pages.
CLEAR_SITE_DATA = '"cache", "storage"'


def allow_offline_copy(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Let the service worker keep this page for reading without a connection: only lessons
    opened by someone signed in (the issue's "lessons a participant opened")."""
    if request.user.is_authenticated and response.status_code == 200:
        response[OFFLINE_COPY_HEADER] = "lesson"
    return response


def static_version() -> str:
    """A short fingerprint of the static files: the worker's caches are named after it, so a
    deployment with new CSS or JavaScript installs a new worker and drops the old copies.

    With the manifest storage (production), the manifest's own hash, which changes with any
    file's content; without it (DEBUG, tests), each source file's name, size and modification
    time, read afresh with DEBUG on (files change while `make run` serves) and once otherwise.
    """
    manifest_hash = getattr(staticfiles_storage, "manifest_hash", "")
    if manifest_hash:
        return manifest_hash[:12]
    return _source_fingerprint() if settings.DEBUG else _source_fingerprint_once()


def _source_fingerprint() -> str:
    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: found[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


_source_fingerprint_once = lru_cache(maxsize=1)(_source_fingerprint)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script, the same for everyone. Served from the site's root so that its
    scope is the whole site; never cached by the browser (no-cache), so that it checks for a
    new version on each visit."""
    context = {
        "version": static_version(),
        "stylesheet": static("css/site.css"),
        "script": static("js/offline.js"),
        "offline_url": reverse("offline"),
        "header": OFFLINE_COPY_HEADER,
    }
    response = render(request, "offline/sw.js", context, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline_page(request: HttpRequest) -> HttpResponse:
    """What the worker shows for a page it does not keep when there is no connection."""
    return render(request, "offline/offline.html")
