"""Pages are compressed for slow connections; static files are fingerprinted and cached for a
year, compressed ahead of time (WhiteNoise)."""

import gzip

from django.core.management import call_command
from django.templatetags.static import static

from tests.factories import make_course


def test_a_large_page_is_gzip_compressed_when_the_browser_accepts_it(client, db):
    for number in range(12):
        make_course(title=f"Human rights due diligence in public buying, part {number}")
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert "part 11" in page


def test_a_page_is_sent_plain_to_a_browser_that_does_not_accept_gzip(client, db):
    make_course(title="Human rights due diligence in public buying")
    response = client.get("/")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]
    assert b"Human rights due diligence" in response.content


def test_static_files_keep_their_fingerprint_and_a_year_of_cache(client, settings, tmp_path, db):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = static("css/site.css")
    assert url != "/static/css/site.css"  # a fingerprint in the name

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] == "gzip"  # compressed ahead of time, not per request
    assert "Accept-Encoding" in response["Vary"]
    response.close()
