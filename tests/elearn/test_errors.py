"""The API's single error shape, for domain errors, model validation and DRF's own errors."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from elearn.errors import DomainError


class EnrolmentClosed(DomainError):
    code = "enrolment_closed"
    status_code = 409
    default_message = "Enrolment in this cohort is closed."


@api_view(["POST"])
@permission_classes([AllowAny])
def raise_domain_error(request):
    raise EnrolmentClosed()


@api_view(["POST"])
@permission_classes([AllowAny])
def raise_model_validation(request):
    raise ValidationError({"full_name": ["Please enter your full name."]})


@api_view(["POST"])
@permission_classes([AllowAny])
def raise_plain_validation(request):
    raise ValidationError("Not allowed now.")


urlpatterns = [
    path("domain/", raise_domain_error),
    path("model/", raise_model_validation),
    path("plain/", raise_plain_validation),
]


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


def test_domain_error_becomes_its_code_status_and_message(api_client, db):
    response = api_client.post("/domain/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "enrolment_closed",
        "detail": "Enrolment in this cohort is closed.",
    }


def test_model_validation_error_is_a_400_with_field_errors(api_client, db):
    response = api_client.post("/model/")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": {"full_name": ["Please enter your full name."]},
    }


def test_validation_error_without_field_is_a_400(api_client, db):
    response = api_client.post("/plain/")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": {"non_field_errors": ["Not allowed now."]},
    }
