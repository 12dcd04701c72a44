"""The Open Badges credentials of certificates: the public keys that sign them, one record per
credential issued, and where the next status list index comes from."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import Certificate


class SigningKey(models.Model):
    """A public key that signs, or signed, credentials. Every one stays listed in did.json, so
    credentials signed before a rotation still verify; deleting a row (a leaked key) makes its
    credentials fail verification."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)  # the JWK's RFC 7638 thumbprint
    public_jwk = models.JSONField(_("public key (JWK)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("credential signing key")
        verbose_name_plural = _("credential signing keys")

    def __str__(self):
        return self.kid


class Credential(models.Model):
    """One signed OpenBadgeCredential of a certificate, as issued (the compact JWS). A re-issue
    supersedes it with a new one; its bit in the revocation status list is set when it is
    superseded or its certificate revoked."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="credentials",
        verbose_name=_("certificate"),
    )  # fmt: skip
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status_index = models.PositiveIntegerField(_("status list index"), unique=True)
    kid = models.CharField(_("key id"), max_length=64)
    jws = models.TextField(_("signed credential (compact JWS)"))
    issued_at = models.DateTimeField(_("issued at"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("digital credential")
        verbose_name_plural = _("digital credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_live_credential_per_certificate",
            ),
        ]

    def __str__(self):
        return f"urn:uuid:{self.uid}"

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.uid}"


class StatusIndexCounter(models.Model):
    """A single row: the next free index in the revocation status list. Taken by an UPDATE in
    the issuing transaction, so two workers never get the same indexes (Credential.status_index
    is unique as the last guard)."""

    next_index = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("status list counter")
        verbose_name_plural = _("status list counters")

    def __str__(self):
        return str(self.next_index)
