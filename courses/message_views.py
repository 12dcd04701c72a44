"""Pages for messaging a cohort's participants (nudges): the cohort's messages, writing one,
and one message with each participant's delivery.

A cohort someone does not manage is a 404, as on the other facilitator pages; the rules and
the sending are courses.services.messages'.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from elearn.errors import DomainError

from . import dashboard
from .exceptions import RequestKeyReused
from .markdown import render_markdown
from .models import CohortMessage, DeliveryStatus, MessageAudience
from .selectors import get_managed_cohort
from .services.messages import (
    MAX_BODY_LENGTH,
    MAX_REQUEST_KEY_LENGTH,
    MAX_SUBJECT_LENGTH,
    list_cohort_messages,
    new_request_key,
    send_cohort_message,
    with_delivery_counts,
)

PAGE_SIZE = 50


class CohortMessageForm(forms.Form):
    """A message to participants. `request_key` is new each time the form is first shown, so
    that sending it twice (a double click, the browser's reload) sends one message."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=MAX_REQUEST_KEY_LENGTH)
    audience = forms.ChoiceField(
        label=gettext_lazy("Send to"), choices=MessageAudience.choices, widget=forms.RadioSelect
    )
    enrolments = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Participants"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=MAX_SUBJECT_LENGTH,
        widget=forms.TextInput(attrs={"dir": "auto"}),  # the writer's language, not the page's
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=MAX_BODY_LENGTH,
        strip=False,  # as written: leading spaces mean something in Markdown
        help_text=gettext_lazy(
            "Markdown: **bold**, *italic*, [a link](https://example.org), a line starting "
            "with “- ” for a list, an empty line between paragraphs. Each participant receives "
            "their own email, with a greeting and a link to the course in their language."
        ),
        widget=forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
    )

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].choices = [
            (row.enrolment_id, f"{row.name} ({row.email})") for row in rows
        ]
        at_risk = sum(1 for row in rows if row.at_risk)
        self.fields["audience"].choices = [
            (MessageAudience.ALL, _("Everyone (%(count)d)") % {"count": len(rows)}),
            (
                MessageAudience.AT_RISK,
                _("Participants at risk now (%(count)d)") % {"count": at_risk},
            ),
            (MessageAudience.SELECTED, _("Selected participants, ticked below")),
        ]

    def clean_body(self):
        # The service says so too; here, so that it shows with the form's other errors.
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write the message."))
        return body


@login_required
@require_GET
def message_list(request, cohort_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    page = Paginator(list_cohort_messages(cohort), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"cohort": cohort, "page": page}
    return render(request, "courses/facilitate/message_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def message_new(request, cohort_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    # Deleted accounts are never messaged (send_cohort_message skips them): not offered.
    rows = [row for row in dashboard.get_cohort_progress(cohort).rows if not row.account_deleted]
    preview = None
    if request.method == "POST":
        form = CohortMessageForm(request.POST, rows=rows)
        if form.is_valid() and "preview" in request.POST:
            preview = render_markdown(form.cleaned_data["body"])
        elif form.is_valid():
            data = form.cleaned_data
            try:
                message, created = send_cohort_message(
                    cohort,
                    by=request.user,
                    audience=data["audience"],
                    subject=data["subject"],
                    body=data["body"],
                    request_key=data["request_key"],
                    enrolment_ids=data["enrolments"],
                )
            except RequestKeyReused:
                # This form was sent before with other text: a new key, so that sending it
                # again sends the message as it now reads.
                form.add_error(
                    None,
                    _(
                        "This form was already sent, with other text. Send it again to send "
                        "the message as it now reads."
                    ),
                )
                form.data = form.data.copy()
                form.data["request_key"] = new_request_key()
            except DomainError as error:
                field = getattr(error, "field", None)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                if created:
                    messages.success(request, _("Your message is being sent."))
                else:
                    messages.info(
                        request, _("This message was already sent: it is not sent twice.")
                    )
                return redirect("facilitate-message", cohort.pk, message.pk)
    else:
        form = CohortMessageForm(initial=_initial(request, rows), rows=rows)
    chosen = {str(value) for value in form["enrolments"].value() or ()}
    context = {
        "cohort": cohort,
        "form": form,
        "preview": preview,
        "participants": [(row, str(row.enrolment_id) in chosen) for row in rows],
    }
    status = 400 if form.errors else 200
    return render(request, "courses/facilitate/message_new.html", context, status=status)


def _initial(request, rows) -> dict:
    """A new form's values: a new request key, and whom to message when a link says so
    (`?to=<enrolment id>` any number of times, or `?audience=at_risk`)."""
    initial = {"request_key": new_request_key()}
    current = {row.enrolment_id for row in rows}
    chosen = [int(i) for i in request.GET.getlist("to") if i.isdigit() and int(i) in current]
    if chosen:
        initial.update(audience=MessageAudience.SELECTED, enrolments=chosen)
    elif request.GET.get("audience") in MessageAudience.values:
        initial["audience"] = request.GET["audience"]
    return initial


@login_required
@require_GET
def message_detail(request, cohort_id, message_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    message = get_object_or_404(
        with_delivery_counts(CohortMessage.objects.filter(cohort=cohort).select_related("sent_by")),
        pk=message_id,
    )
    deliveries = message.deliveries.select_related("enrolment__user").order_by(
        "enrolment__user__full_name", "email", "pk"
    )
    context = {
        "cohort": cohort,
        "message": message,
        "deliveries": deliveries,
        "statuses": DeliveryStatus,
    }
    return render(request, "courses/facilitate/message_detail.html", context)
