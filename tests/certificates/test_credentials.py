"""Open Badges 3.0 credentials of certificates: issued with the PDF, signed as VC-JWTs that a
second implementation verifies against the served did.json, revoked and superseded through
the status list, downloaded by their owner alone."""

import hashlib
import json
from decimal import Decimal

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.urls import reverse
from jwcrypto.jws import InvalidJWSSignature
from rest_framework.test import APIClient

from certificates import services
from certificates.models import (
    Certificate,
    CertificateStatus,
    CertificateTemplate,
    Credential,
    SigningKey,
)
from courses.services.progress import record_lesson_completion
from tests.certificates.independent import (
    b64encode,
    header_of,
    served_keys,
    status_bit,
    verify_raw,
    verify_with_jwcrypto,
    with_payload,
)
from tests.factories import enrol_user, make_cohort, make_completion, make_course, make_user


def new_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


@pytest.fixture
def signing_key(settings, db):
    settings.CREDENTIAL_SIGNING_KEY = new_pem()
    settings.CREDENTIAL_SIGNING_KEY_FILE = ""
    return settings.CREDENTIAL_SIGNING_KEY


@pytest.fixture
def no_signing_key(settings, db):
    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.CREDENTIAL_SIGNING_KEY_FILE = ""


@pytest.fixture
def complete(django_capture_on_commit_callbacks):
    """complete(user, course): the user completes the course; their certificate, issued by the
    completion's task (eager), as the worker would."""

    def completing(user, course):
        enrolment = enrol_user(user, course, make_cohort(course))
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in course.lessons.all():
                record_lesson_completion(user, lesson)
        return Certificate.objects.get(enrolment=enrolment)

    return completing


@pytest.fixture
def certificate(signing_key, complete):
    """An issued certificate of a French course with a template and hours."""
    course = make_course(
        modules=1, lessons_per_module=2, title="Achats et droits humains", language="fr",
        estimated_hours=Decimal("6.5"),
    )  # fmt: skip
    CertificateTemplate.objects.create(course=course, issuing_organisation="Institut Danois")
    user = make_user(email="amina@example.org", full_name="Amina Diallo")
    certificate = complete(user, course)
    assert certificate.status == CertificateStatus.ISSUED
    return certificate


def live_jws(certificate) -> str:
    return certificate.credentials.get(superseded_at__isnull=True).jws


def check(api_client, credential):
    return api_client.post(
        reverse("api-credential-verify"), {"credential": credential}, format="json"
    )


def test_issuing_a_certificate_signs_a_credential_that_another_library_verifies(
    certificate, client
):
    keys = served_keys(client)
    payload = verify_with_jwcrypto(live_jws(certificate), keys)
    (public_jwk,) = keys.values()
    assert verify_raw(live_jws(certificate), public_jwk)
    header = header_of(live_jws(certificate))
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "vc+jwt"
    assert header["kid"].startswith("did:web:example.com#")
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"]["id"] == "did:web:example.com"
    assert payload["issuer"]["name"] == "Institut Danois"
    assert payload["iss"] == payload["issuer"]["id"]
    assert payload["jti"] == payload["id"]
    achievement = payload["credentialSubject"]["achievement"]
    assert achievement["name"] == "Achats et droits humains"
    assert achievement["inLanguage"] == "fr"
    assert achievement["id"].endswith(certificate.enrolment.course.get_absolute_url())
    # Worded in the course's language, hours in the description (OB 3.0 has no hours field).
    assert achievement["description"] == (
        "Cours « Achats et droits humains » terminé. Durée d’étude estimée : 6,5 heures."  # noqa: RUF001
    )
    assert achievement["criteria"]["narrative"].startswith("Toutes les leçons obligatoires")


def test_the_recipient_is_named_by_a_salted_hash_of_the_email_not_the_email(certificate, client):
    payload = verify_with_jwcrypto(live_jws(certificate), served_keys(client))
    (identity,) = payload["credentialSubject"]["identifier"]
    assert identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    expected = hashlib.sha256(("amina@example.org" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert "amina@example.org" not in json.dumps(payload)
    assert "Amina" not in json.dumps(payload)


def test_a_credential_with_a_changed_name_fails_verification_and_changes_nothing(
    certificate, client, api_client
):
    keys = served_keys(client)
    original = live_jws(certificate)
    payload = verify_with_jwcrypto(original, keys)
    payload["credentialSubject"]["achievement"]["name"] = "Master of everything"
    forged = with_payload(original, payload)
    with pytest.raises(InvalidJWSSignature):
        verify_with_jwcrypto(forged, keys)
    assert not verify_raw(forged, next(iter(keys.values())))
    before = list(Credential.objects.values())

    response = check(api_client, forged)

    assert response.status_code == 422
    assert response.json()["code"] == "credential_tampered"
    assert list(Credential.objects.values()) == before


def test_the_api_says_an_unchanged_credential_is_valid_and_whose_it_is(certificate, api_client):
    response = check(api_client, live_jws(certificate))
    assert response.status_code == 200
    assert response.json()["state"] == "valid"
    assert response.json()["code"] == certificate.code
    assert response.json()["course_title"] == "Achats et droits humains"


def test_the_api_accepts_the_downloaded_json_as_object_or_text(certificate, client, api_client):
    client.force_login(certificate.enrolment.user)
    envelope = json.loads(
        client.get(reverse("certificate-credential", args=[certificate.code])).content
    )
    assert check(api_client, envelope).json()["state"] == "valid"
    assert check(api_client, json.dumps(envelope)).json()["state"] == "valid"


def test_revoking_a_certificate_sets_its_credential_bit_in_the_status_list(
    certificate, client, api_client, admin_user
):
    keys = served_keys(client)
    payload = verify_with_jwcrypto(live_jws(certificate), keys)
    assert status_bit(client, payload, keys) is False

    services.revoke_certificate(certificate, reason="Completed by someone else", by=admin_user)

    assert status_bit(client, payload, keys) is True
    response = check(api_client, live_jws(certificate))
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"


def test_reissuing_after_a_name_correction_issues_a_new_credential_and_supersedes_the_old(
    certificate, client, api_client, admin_user
):
    keys = served_keys(client)
    old = live_jws(certificate)
    user = certificate.enrolment.user
    user.full_name = "Amina Diallo Sow"
    user.save(update_fields=["full_name"])

    services.issue_certificates([certificate.enrolment_id], reissue=True, by=admin_user)

    new = live_jws(certificate)
    assert new != old
    assert certificate.credentials.count() == 2
    assert status_bit(client, verify_with_jwcrypto(old, keys), keys) is True
    assert status_bit(client, verify_with_jwcrypto(new, keys), keys) is False
    assert check(api_client, old).json()["state"] == "superseded"
    assert check(api_client, new).json()["state"] == "valid"


@pytest.mark.parametrize(
    "given",
    [
        "not a credential",
        "{not json",
        '{"type": "VerifiableCredential"}',
        "eyJhbGciOiJub25lIn0.eyJpZCI6IngifQ.",  # alg none, no signature
    ],
)
def test_the_api_calls_what_is_not_a_credential_malformed(certificate, api_client, given):
    response = check(api_client, given)
    assert response.status_code == 422
    assert response.json()["code"] == "credential_malformed"


def test_alg_none_and_other_algorithms_are_refused_even_with_a_real_payload(
    certificate, api_client
):
    _header, payload, signature = live_jws(certificate).split(".")
    for alg in ("none", "HS256"):
        header = b64encode(json.dumps({"alg": alg, "kid": "x"}).encode())
        response = check(api_client, f"{header}.{payload}.{signature}")
        assert response.json()["code"] == "credential_malformed"


def test_a_credential_signed_by_another_key_is_from_an_unknown_issuer(certificate):
    forged_key = Ed25519PrivateKey.generate()
    header = {"kid": "did:web:example.com#someone-else", "typ": "vc+jwt"}
    token = jwt.encode({"id": "urn:uuid:x"}, forged_key, algorithm="EdDSA", headers=header)
    response = check(APIClient(), token)
    assert response.status_code == 422
    assert response.json()["code"] == "credential_unknown_issuer"
    # Another site's did, or a key of ours named under another did.
    real_kid = header_of(live_jws(certificate))["kid"]
    header = {"kid": real_kid.replace("example.com", "evil.example"), "typ": "vc+jwt"}
    token = jwt.encode({"id": "urn:uuid:x"}, forged_key, algorithm="EdDSA", headers=header)
    assert check(APIClient(), token).json()["code"] == "credential_unknown_issuer"
    # Our kid, another key's signature: tampered.
    header = {"kid": real_kid, "typ": "vc+jwt"}
    token = jwt.encode({"id": "urn:uuid:x"}, forged_key, algorithm="EdDSA", headers=header)
    assert check(APIClient(), token).json()["code"] == "credential_tampered"


def test_the_api_refuses_a_request_without_a_credential_or_far_too_large(api_client, db):
    url = reverse("api-credential-verify")
    assert api_client.post(url, {}, format="json").status_code == 400
    assert api_client.post(url, {"credential": "x" * 20_001}, format="json").status_code == 400


def test_without_a_signing_key_certificates_are_issued_without_a_credential(
    no_signing_key, client, complete
):
    course = make_course(modules=1, lessons_per_module=1)
    user = make_user()
    certificate = complete(user, course)
    assert certificate.status == CertificateStatus.ISSUED
    assert not certificate.credentials.exists()
    page = client.get(certificate.get_absolute_url())
    assert "has no digital credential" in page.content.decode()
    assert client.get(reverse("credential-status-list")).status_code == 404
    client.force_login(user)
    assert client.get(reverse("certificate-credential", args=[certificate.code])).status_code == 404


def test_a_key_that_cannot_be_read_never_stops_issuing(settings, db, complete):
    settings.CREDENTIAL_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nbad\n-----END PRIVATE KEY-----"
    course = make_course(modules=1, lessons_per_module=1)
    certificate = complete(make_user(), course)
    assert certificate.status == CertificateStatus.ISSUED
    assert not certificate.credentials.exists()


def test_the_owner_downloads_the_credential_as_an_enveloped_verifiable_credential(
    certificate, client
):
    url = reverse("certificate-credential", args=[certificate.code])
    client.force_login(certificate.enrolment.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document = json.loads(response.content)
    assert document["type"] == "EnvelopedVerifiableCredential"
    assert document["@context"] == "https://www.w3.org/ns/credentials/v2"
    assert document["id"] == f"data:application/vc+jwt,{live_jws(certificate)}"


def test_only_the_owner_may_download_the_credential(certificate, client, facilitator):
    url = reverse("certificate-credential", args=[certificate.code])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    certificate.enrolment.cohort.facilitators.add(facilitator)
    for someone in (make_user(), facilitator, make_user(is_staff=True, is_superuser=True)):
        client.force_login(someone)
        assert client.get(url).status_code == 404


def test_a_revoked_certificates_credential_is_no_longer_offered(certificate, client, admin_user):
    services.revoke_certificate(certificate, reason="Error", by=admin_user)
    client.force_login(certificate.enrolment.user)
    assert client.get(reverse("certificate-credential", args=[certificate.code])).status_code == 404


def test_the_api_lists_the_credential_url_for_the_owner_and_serves_it(
    certificate, api_client, django_assert_max_num_queries
):
    user = certificate.enrolment.user
    api_client.force_authenticate(user)
    course = make_course(modules=1, lessons_per_module=1)
    for _ in range(3):
        make_completion(course)
    with django_assert_max_num_queries(4):
        response = api_client.get(reverse("api-certificates"))
    (row,) = response.json()["results"]
    assert row["credential_url"].endswith(f"/api/v1/certificates/{certificate.code}/credential/")
    download = api_client.get(row["credential_url"])
    assert download.status_code == 200
    assert json.loads(download.content)["type"] == "EnvelopedVerifiableCredential"
    api_client.force_authenticate(make_user())
    assert api_client.get(row["credential_url"]).status_code == 404


def test_those_who_list_others_certificates_get_no_credential_url(certificate, api_client):
    facilitator = make_user()
    certificate.enrolment.cohort.facilitators.add(facilitator)
    listings = [
        (make_user(is_staff=True), {}),
        (facilitator, {"cohort": certificate.enrolment.cohort_id}),
    ]
    for user, query in listings:
        api_client.force_authenticate(user)

        (row,) = api_client.get(reverse("api-certificates"), query).json()["results"]

        assert row["code"] == certificate.code
        assert row["credential_url"] is None  # the credential is its owner's alone
        assert row["pdf_url"] is not None


def test_my_learning_and_the_verification_page_show_the_credential(certificate, client):
    client.force_login(certificate.enrolment.user)
    page = client.get(reverse("my-learning")).content.decode()
    assert reverse("certificate-credential", args=[certificate.code]) in page
    verification = client.get(certificate.get_absolute_url()).content.decode()
    assert "Valid (Open Badges 3.0)" in verification


def test_the_check_page_says_whether_a_pasted_credential_is_valid_or_altered(certificate, client):
    url = reverse("credential-check")
    assert client.get(url).status_code == 200
    valid = client.post(url, {"credential": live_jws(certificate)})
    assert valid.status_code == 200
    assert certificate.code in valid.content.decode()
    original = live_jws(certificate)
    header, payload, signature = original.split(".")
    altered = client.post(url, {"credential": f"{header}.{payload}x.{signature}"})
    assert altered.status_code == 422
    assert certificate.code not in altered.content.decode()
    assert client.post(url, {"credential": ""}).status_code == 400
    assert client.post(url, {"credential": "x" * 20_001}).status_code == 400


def test_rotating_the_key_keeps_old_credentials_verifiable(certificate, settings, client, complete):
    old = live_jws(certificate)
    settings.CREDENTIAL_SIGNING_KEY = new_pem()
    other = make_user()
    course = make_course(modules=1, lessons_per_module=1)
    new_certificate = complete(other, course)
    keys = served_keys(client)
    assert len(keys) == 2
    verify_with_jwcrypto(old, keys)
    verify_with_jwcrypto(live_jws(new_certificate), keys)
    assert (
        json.loads(__import__("base64").urlsafe_b64decode(old.split(".")[0] + "=="))["kid"]
        != json.loads(
            __import__("base64").urlsafe_b64decode(live_jws(new_certificate).split(".")[0] + "==")
        )["kid"]
    )


def test_create_signing_key_writes_a_private_file_and_never_overwrites(tmp_path, db, client):
    path = tmp_path / "keys" / "signing.pem"
    call_command("create_signing_key", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert len(served_keys(client)) == 1
    before = path.read_bytes()
    with pytest.raises(Exception, match="never overwritten"):
        call_command("create_signing_key", str(path))
    assert path.read_bytes() == before


def test_issue_missing_credentials_signs_those_issued_before_a_key_was_configured(
    no_signing_key, settings, client, complete
):
    course = make_course(modules=1, lessons_per_module=1)
    certificates = [complete(make_user(), course) for _ in range(3)]
    assert not Credential.objects.exists()
    settings.CREDENTIAL_SIGNING_KEY = new_pem()

    call_command("issue_missing_credentials")
    call_command("issue_missing_credentials")  # a second run finds nothing to do

    assert Credential.objects.count() == 3
    keys = served_keys(client)
    for certificate in certificates:
        verify_with_jwcrypto(live_jws(certificate), keys)
    indexes = list(Credential.objects.values_list("status_index", flat=True))
    assert len(set(indexes)) == 3


def test_one_batch_of_completions_gets_distinct_status_indexes(signing_key, db):
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = [make_completion(course) for _ in range(5)]
    services.issue_certificates([e.pk for e in enrolments])
    indexes = sorted(Credential.objects.values_list("status_index", flat=True))
    assert len(indexes) == len(set(indexes)) == 5


def test_the_check_and_the_list_fit_the_openapi_schema(certificate, client, api_client):
    from tests.elearn.test_schema import assert_fits

    schema = client.get("/api/schema/?format=json").json()
    assert_fits(
        schema, "POST /api/v1/credentials/verify/", check(api_client, live_jws(certificate))
    )
    assert_fits(schema, "POST /api/v1/credentials/verify/", check(api_client, "nonsense"))
    api_client.force_authenticate(certificate.enrolment.user)
    assert_fits(schema, "GET /api/v1/certificates/", api_client.get(reverse("api-certificates")))
    download = api_client.get(reverse("api-certificate-credential", args=[certificate.code]))
    assert_fits(schema, "GET /api/v1/certificates/{code}/credential/", download)


def test_replacing_a_leaked_keys_credentials_supersedes_them_with_new_ones(
    certificate, settings, client, api_client
):
    old = live_jws(certificate)
    old_kid = header_of(old)["kid"].split("#")[1]
    settings.CREDENTIAL_SIGNING_KEY = new_pem()

    call_command("issue_missing_credentials", replace_key=old_kid)

    new = live_jws(certificate)
    assert header_of(new)["kid"] != header_of(old)["kid"]
    keys = served_keys(client)
    assert status_bit(client, verify_with_jwcrypto(old, keys), keys) is True
    assert check(api_client, new).json()["state"] == "valid"
    SigningKey.objects.filter(kid=old_kid).delete()
    assert check(api_client, old).json()["code"] == "credential_unknown_issuer"


def test_the_code_look_up_says_whether_the_certificate_has_a_valid_credential(
    certificate, api_client, admin_user
):
    url = reverse("api-certificate-verify", args=[certificate.code])
    assert api_client.get(url).json()["credential"] == "valid"
    services.revoke_certificate(certificate, reason="Error", by=admin_user)
    assert api_client.get(url).json()["credential"] == "revoked"


def test_the_code_look_up_says_none_without_a_credential(no_signing_key, api_client, complete):
    certificate = complete(make_user(), make_course(modules=1, lessons_per_module=1))
    url = reverse("api-certificate-verify", args=[certificate.code])
    assert api_client.get(url).json()["credential"] == "none"


def test_the_system_check_reports_a_configured_key_that_cannot_be_used(settings, tmp_path):
    from certificates.checks import check_credential_signing_key

    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.CREDENTIAL_SIGNING_KEY_FILE = ""
    assert check_credential_signing_key(None) == []
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    settings.DEBUG = False
    assert [m.id for m in check_credential_signing_key(None)] == ["certificates.W001"]
    (tmp_path / "bad.pem").write_text("not a key")
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "bad.pem")
    assert [m.id for m in check_credential_signing_key(None)] == ["certificates.E001"]
    settings.CREDENTIAL_SIGNING_KEY = new_pem()
    assert check_credential_signing_key(None) == []


def test_the_owners_data_export_holds_their_credentials(certificate):
    from accounts.services.privacy import export_personal_data

    (exported,) = export_personal_data(certificate.enrolment.user)["certificates"]
    (credential,) = exported["digital_credentials"]
    assert credential["vc_jwt"] == live_jws(certificate)
    assert credential["superseded_at"] is None


@pytest.mark.parametrize("batch", [2, 8])
def test_a_batch_of_certificates_signs_its_credentials_in_a_fixed_number_of_queries(
    signing_key, batch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course = make_course(modules=1, lessons_per_module=1)
    services.issue_certificates([make_completion(course).pk])  # the key's first use records it
    enrolments = [make_completion(course) for _ in range(batch)]
    with CaptureQueriesContext(connection) as queries:
        services.issue_certificates([e.pk for e in enrolments])
    tables = (
        "certificates_credential",
        "certificates_statusindexcounter",
        "certificates_signingkey",
    )
    credential_queries = [q["sql"] for q in queries if any(t in q["sql"] for t in tables)]
    # The key's record, the counter's update and read, one insert: whatever the batch.
    assert len(credential_queries) == 4, credential_queries
    assert Credential.objects.count() == batch + 1


@pytest.mark.parametrize("name", ["did-document", "credential-status-list"])
def test_resolvers_may_ask_for_the_public_documents_with_head(signing_key, client, name):
    got = client.get(reverse(name))
    assert got.status_code == 200

    head = client.head(reverse(name))

    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Access-Control-Allow-Origin"] == "*"


def test_a_far_too_large_credential_is_refused_in_the_callers_language(api_client, db):
    response = api_client.post(
        reverse("api-credential-verify"),
        {"credential": "x" * 20_001},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 400
    assert response.json()["detail"]["credential"] == [
        "20\xa0000 caractères au plus : ce n\u2019est pas une attestation numérique."
    ]
