from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from .tasks import send_email_task


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, sending its email from the Celery worker after the request commits.

    A slow or unreachable mail server then never slows down or fails a sign-up or a password
    reset in the web process.
    """

    def send_mail(self, template_prefix, email, context):
        # The same context allauth's own send_mail gives its templates ("Hello from <site>",
        # the site's domain); only the delivery differs.
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        send_email_task.delay_on_commit(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
            html=html,
        )
