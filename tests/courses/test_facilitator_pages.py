"""The facilitator pages: the cohorts one manages, and enrolment by a list of addresses
(upload, preview, confirm), for every kind of visitor."""

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Enrolment, EnrolmentUpload, Invitation
from courses.services.bulk import preview_enrolment_upload
from courses.templatetags import facilitation
from tests.courses.test_views import assert_accessible_page, shape
from tests.factories import enrol_user, make_cohort, make_course, make_facilitator_user, make_user


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


@pytest.fixture
def upload(cohort, facilitator):
    return preview_enrolment_upload(cohort, "someone@example.org\n", by=facilitator)


def urls(cohort, upload):
    return {
        "list": reverse("facilitate-cohorts"),
        "enrol": reverse("facilitate-enrol", args=[cohort.pk]),
        "preview": reverse("facilitate-enrol-preview", args=[cohort.pk, upload.token]),
        "confirm": reverse("facilitate-enrol-confirm", args=[cohort.pk, upload.token]),
    }


def csv_file(text, name="participants.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# Who may see what

PAGES = [("list", "get"), ("enrol", "get"), ("enrol", "post"), ("preview", "get")]


@pytest.mark.parametrize(("page", "method"), [*PAGES, ("confirm", "post")])
def test_anonymous_visitors_are_sent_to_sign_in(client, cohort, upload, page, method):
    url = urls(cohort, upload)[page]

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("who", ["participant", "other_facilitator"])
@pytest.mark.parametrize(
    ("page", "method"),
    [("enrol", "get"), ("enrol", "post"), ("preview", "get"), ("confirm", "post")],
)
def test_who_does_not_manage_the_cohort_gets_not_found(
    client_for, cohort, upload, participant, who, page, method
):
    visitor = participant if who == "participant" else make_facilitator_user()
    if who == "other_facilitator":
        make_cohort(cohort.course).facilitators.add(visitor)
    client = client_for(visitor)

    response = getattr(client, method)(urls(cohort, upload)[page])

    assert response.status_code == 404
    upload.refresh_from_db()
    assert upload.applied_at is None


@pytest.mark.parametrize("who", ["participant", "other_facilitator"])
def test_the_cohort_list_shows_only_cohorts_one_manages(client_for, cohort, participant, who):
    visitor = participant if who == "participant" else make_facilitator_user()
    theirs = make_cohort(make_course(), name="Their own cohort")
    if who == "other_facilitator":
        theirs.facilitators.add(visitor)

    response = client_for(visitor).get(reverse("facilitate-cohorts"))

    assert response.status_code == 200
    body = response.content.decode()
    assert cohort.name not in body
    assert reverse("facilitate-enrol", args=[cohort.pk]) not in body
    assert ("Their own cohort" in body) == (who == "other_facilitator")
    assert_accessible_page(response)


@pytest.mark.parametrize("who", ["facilitator", "admin_user"])
@pytest.mark.parametrize(("page", "method"), PAGES)
def test_who_manages_the_cohort_sees_every_page(
    client_for, request, cohort, upload, who, page, method
):
    client = client_for(request.getfixturevalue(who))

    response = getattr(client, method)(urls(cohort, upload)[page])

    assert response.status_code == 200  # a POST without a list shows the form again
    assert cohort.name in response.content.decode()
    assert_accessible_page(response)


@pytest.mark.parametrize("who", ["facilitator", "admin_user"])
def test_who_manages_the_cohort_may_confirm(client_for, request, cohort, upload, who):
    response = client_for(request.getfixturevalue(who)).post(urls(cohort, upload)["confirm"])

    assert response.status_code == 302
    assert response.url == reverse("facilitate-cohorts")
    assert Invitation.objects.filter(cohort=cohort, email="someone@example.org").exists()


def test_the_confirm_page_takes_no_get(client_for, cohort, upload, facilitator):
    response = client_for(facilitator).get(urls(cohort, upload)["confirm"])

    assert response.status_code == 405


def test_an_upload_of_another_cohort_is_not_found(client_for, cohort, facilitator):
    other = make_cohort(cohort.course)
    other.facilitators.add(facilitator)
    theirs = preview_enrolment_upload(other, "a@example.org\n", by=facilitator)

    client = client_for(facilitator)
    preview = reverse("facilitate-enrol-preview", args=[cohort.pk, theirs.token])
    confirm = reverse("facilitate-enrol-confirm", args=[cohort.pk, theirs.token])

    assert client.get(preview).status_code == 404
    assert client.post(confirm).status_code == 404


# The main menu


@pytest.mark.parametrize(
    ("who", "shown"),
    [("participant", False), ("facilitator", True), ("admin_user", True), ("cohort_only", True)],
)
def test_the_main_menu_offers_facilitate_to_facilitators_and_admins(
    client, client_for, request, cohort, who, shown
):
    if who == "cohort_only":  # facilitates a cohort without being in the Facilitators group
        visitor = make_user()
        cohort.facilitators.add(visitor)
    else:
        visitor = request.getfixturevalue(who)

    body = client_for(visitor).get(reverse("home")).content.decode()

    assert (f'href="{reverse("facilitate-cohorts")}"' in body) == shown


def test_the_menu_link_costs_participants_no_query_once_signed_in(
    client_for, participant, admin_user, django_assert_max_num_queries
):
    def home_page_of(user):
        client = client_for(user)
        client.get(reverse("home"))  # caches warmed
        with django_assert_max_num_queries(6) as queries:
            body = client.get(reverse("home")).content.decode()
        return len(queries), body

    # Admins are offered the link on their role alone, without a query: a participant's page
    # (the answer worked out at sign-in) makes no more queries than an admin's.
    participant_queries, body = home_page_of(participant)
    admin_queries, admin_body = home_page_of(admin_user)

    assert reverse("facilitate-cohorts") not in body
    assert reverse("facilitate-cohorts") in admin_body
    assert participant_queries == admin_queries


def test_the_menu_link_appears_within_minutes_of_becoming_a_facilitator(
    client_for, cohort, participant, monkeypatch
):
    client = client_for(participant)
    cohort.facilitators.add(participant)
    link = f'href="{reverse("facilitate-cohorts")}"'
    assert link not in client.get(reverse("home")).content.decode()  # remembered at sign-in

    later = time.time() + facilitation.FRESH_FOR_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the clock, minutes later

    assert link in client.get(reverse("home")).content.decode()


def test_visitors_see_no_facilitate_link(client, db):
    assert reverse("facilitate-cohorts") not in client.get(reverse("home")).content.decode()


# The cohort list


def test_the_cohort_list_shows_dates_counts_and_links_in_constant_queries(
    client_for, facilitator, django_assert_max_num_queries
):
    client = client_for(facilitator)
    for _ in range(2):
        course = make_course()
        for number in range(3):
            cohort = make_cohort(course, name=f"Cohort {course.pk}-{number}")
            cohort.facilitators.add(facilitator)
            for _ in range(number):
                enrol_user(make_user(), course, cohort)
        with django_assert_max_num_queries(5):
            response = client.get(reverse("facilitate-cohorts"))
        assert response.status_code == 200

    body = response.content.decode()
    assert body.count('<th scope="row">') == 6
    assert body.count(">Enrol participants</a>") == 6
    assert "Self-paced" in body


def test_the_cohort_list_shows_a_cohorts_dates(client_for, cohort, facilitator):
    cohort.starts_on = "2026-03-02"
    cohort.ends_on = "2026-04-30"
    cohort.save()

    body = client_for(facilitator).get(reverse("facilitate-cohorts")).content.decode()

    assert "2 March 2026 to 30 April 2026" in body


# Upload, preview, confirm


def test_upload_preview_confirm_enrols_and_invites(
    client_for, cohort, course, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    known = make_user(email="known@example.org")
    elsewhere = make_user(email="elsewhere@example.org")
    enrol_user(elsewhere, course)
    client = client_for(facilitator)
    enrol_url = reverse("facilitate-enrol", args=[cohort.pk])
    assert client.get(enrol_url).status_code == 200

    response = client.post(
        enrol_url,
        {
            "file": csv_file(
                "email;full name\nknown@example.org;Known\n"
                "elsewhere@example.org;Elsewhere\nNew.Person@example.org;Amina Diallo\n"
            )
        },
    )

    upload = EnrolmentUpload.objects.get()
    preview_url = reverse("facilitate-enrol-preview", args=[cohort.pk, upload.token])
    assert response.status_code == 302
    assert response.url == preview_url
    assert not Enrolment.objects.filter(cohort=cohort).exists()  # nothing yet

    preview = client.get(preview_url)
    body = preview.content.decode()
    assert "To be enrolled (1)" in body
    assert "To be moved here from another cohort of the course (1)" in body
    assert "To be invited by email (no account yet) (1)" in body
    assert "new.person@example.org" in body
    assert "Amina Diallo" in body
    assert reverse("facilitate-enrol-confirm", args=[cohort.pk, upload.token]) in body
    assert all(f'scope="{scope}"' in body for scope in ("col", "row"))

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("facilitate-enrol-confirm", args=[cohort.pk, upload.token]), follow=True
        )

    assert done.redirect_chain == [(reverse("facilitate-cohorts"), 302)]
    message = str(next(iter(done.context["messages"])))
    assert message == (
        "Nairobi 2026: 1 person enrolled, 1 moved from another cohort, 1 invited by email."
    )
    assert {e.user for e in Enrolment.objects.filter(cohort=cohort)} == {known, elsewhere}
    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]

    again = client.get(preview_url).content.decode()
    assert "This list was applied on" in again
    assert "Confirm and enrol" not in again


def test_pasted_addresses_work_like_a_file(client_for, cohort, facilitator):
    response = client_for(facilitator).post(
        reverse("facilitate-enrol", args=[cohort.pk]),
        {"addresses": "a@example.org\r\nb@example.org, Bea\r\n"},
    )

    assert response.status_code == 302
    assert [row["email"] for row in EnrolmentUpload.objects.get().rows] == [
        "a@example.org",
        "b@example.org",
    ]


def test_a_bad_list_shows_every_bad_line_by_number_at_the_field(client_for, cohort, facilitator):
    response = client_for(facilitator).post(
        reverse("facilitate-enrol", args=[cohort.pk]),
        {"file": csv_file("email\ngood@example.org\nnot an address\n\ngood@example.org\n")},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Nobody was enrolled" in body
    assert "Line 3: “not an address” is not an email address." in body
    assert "Line 5: good@example.org is already on line 2." in body
    errors = re.search(r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', body, re.S)
    assert errors and "Line 3" in errors.group(1)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_file"', body) or re.search(
        r'<input[^>]*id="id_file"[^>]*aria-invalid="true"', body
    )
    assert 'aria-describedby="id_file_helptext id_file_error"' in body
    assert not EnrolmentUpload.objects.exists()
    assert_accessible_page(response)


def test_bad_pasted_addresses_are_shown_at_the_text_box_and_kept(client_for, cohort, facilitator):
    response = client_for(facilitator).post(
        reverse("facilitate-enrol", args=[cohort.pk]), {"addresses": "a@example.org\nnope\n"}
    )

    body = response.content.decode()
    assert "Line 2: “nope” is not an email address." in body
    assert 'id="id_addresses_error"' in body
    assert "a@example.org\nnope" in body  # the text box keeps what was pasted


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a CSV file, or paste the addresses below."),
        (
            {"addresses": "a@example.org"},
            "Choose a file or paste addresses, not both.",
        ),
    ],
)
def test_a_file_or_pasted_addresses_exactly_one(client_for, cohort, facilitator, data, error):
    if data:
        data["file"] = csv_file("b@example.org\n")

    response = client_for(facilitator).post(reverse("facilitate-enrol", args=[cohort.pk]), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not EnrolmentUpload.objects.exists()


def test_an_oversized_file_is_refused_without_storing_anything(client_for, cohort, facilitator):
    big = csv_file("a@example.org," + "x" * (1024 * 1024 + 10))

    response = client_for(facilitator).post(
        reverse("facilitate-enrol", args=[cohort.pk]), {"file": big}
    )

    assert response.status_code == 200
    assert "larger than 1 MB" in response.content.decode()
    assert not EnrolmentUpload.objects.exists()


def test_confirming_twice_says_so_and_changes_nothing(
    client_for, cohort, upload, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(facilitator)
    confirm = urls(cohort, upload)["confirm"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm, follow=True)

    assert "This list has already been enrolled." in response.content.decode()
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_preview_warns_when_the_cohort_would_be_over_capacity(client_for, cohort, facilitator):
    cohort.capacity = 1
    cohort.save()
    for email in ("a@example.org", "b@example.org"):
        make_user(email=email)
    upload = preview_enrolment_upload(cohort, "a@example.org\nb@example.org\n", by=facilitator)

    body = client_for(facilitator).get(urls(cohort, upload)["preview"]).content.decode()

    assert "1 place over its capacity" in body


def test_every_page_has_one_h1_and_labelled_fields(client_for, cohort, upload, facilitator):
    client = client_for(facilitator)
    for page in ("list", "enrol", "preview"):
        response = client.get(urls(cohort, upload)[page])
        assert shape(response).h1 == 1
        assert_accessible_page(response)
    form = shape(client.get(urls(cohort, upload)["enrol"]))
    assert {"id_file", "id_addresses"} <= set(form.inputs) <= form.labels_for


def test_the_cohort_list_labels_each_cell_so_that_rows_stack_as_cards_on_phones(client_for, db):
    """On a narrow screen each row is a card (site.css, .stack-table): every cell says what it
    is, and the row's actions stay in it, not off-screen to the side."""
    facilitator = make_facilitator_user()
    cohort = make_cohort(make_course(), name="Dakar 2026")
    cohort.facilitators.add(facilitator)

    page = client_for(facilitator).get(reverse("facilitate-cohorts")).content.decode()

    assert '<table class="stack-table">' in page
    for label in ("Course", "Dates", "Active", "Completed"):
        assert f'data-label="{label}"' in page
    row = page[page.index("<bdi>Dakar 2026</bdi>") : page.index("</tr>", page.index("Dakar"))]
    assert reverse("facilitate-enrol", args=[cohort.pk]) in row
    assert reverse("facilitate-cohort-certificates", args=[cohort.pk]) in row
