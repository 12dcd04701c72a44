from django.core.management import call_command


def test_openapi_schema_validates_with_no_warnings(tmp_path, db):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/courses/",
        "/api/v1/courses/{slug}/",
    ):
        assert f"{path}:" in schema


def test_schema_and_docs_are_served_without_other_hosts(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "cdn." not in body and "jsdelivr" not in body and "unpkg" not in body


def test_unknown_api_path_is_a_404(api_client, db):
    assert api_client.get("/api/v1/nothing-here/").status_code == 404
