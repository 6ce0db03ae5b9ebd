"""Portal forms. They check what a person can fix at once (empty subject, a file too large);
the ticket services check everything again and have the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from sustain.catalog.models import Product
from sustain.core.uploads import Upload, blocked_extension, clean_filename
from sustain.tickets.choices import Kind, Level

MAX_FILES = 10

# What a customer can tell apart; problems, changes, vulnerabilities … are the support
# team's classification, made after triage.
CUSTOMER_KINDS = [
    (Kind.INCIDENT.value, "Something is not working"),
    (Kind.SERVICE_REQUEST.value, "A question or a service request"),
    (Kind.FEATURE_REQUEST.value, "An idea or a feature request"),
]
IMPACT_CHOICES = [
    (Level.LOW.value, "Only me, or there is a workaround"),
    (Level.MEDIUM.value, "A team or a part of our work"),
    (Level.HIGH.value, "Many people or a whole site"),
]
URGENCY_CHOICES = [
    (Level.LOW.value, "It can wait"),
    (Level.MEDIUM.value, "Soon"),
    (Level.HIGH.value, "Work has stopped"),
]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def attachments_help() -> str:
    return f"Up to {MAX_FILES} files, {filesizeformat(settings.SUSTAIN_ATTACHMENT_MAX_BYTES)} each."


def check_files(files: list[UploadedFile[Any]]) -> list[UploadedFile[Any]]:
    """Refuse what the service would refuse, with the file named, before reading it."""
    if len(files) > MAX_FILES:
        raise forms.ValidationError(f"Attach at most {MAX_FILES} files at once.")
    limit = settings.SUSTAIN_ATTACHMENT_MAX_BYTES
    errors = []
    for upload in files:
        name = clean_filename(upload.name or "attachment")
        extension = blocked_extension(name)
        size = upload.size or 0
        # Sizes in words here (the service counts bytes): a person reads this message.
        if size > limit:
            errors.append(
                f"'{name}' is {filesizeformat(size)}; the limit is {filesizeformat(limit)}."
            )
        elif extension is not None:
            errors.append(f"Files of type .{extension} are not accepted ('{name}').")
        elif not size:
            errors.append(f"'{name}' is empty.")
    if errors:
        raise forms.ValidationError(errors)
    return files


def uploads_of(files: list[UploadedFile[Any]]) -> list[Upload]:
    # Read by the service, after its permission checks, like every other upload path.
    return [Upload.from_file(f) for f in files]


class PortalForm(forms.Form):
    # Service field names that the form calls differently (for core.web_errors).
    service_fields: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewRequestForm(PortalForm):
    service_fields = {"title": "subject"}

    subject = forms.CharField(
        label="Subject",
        max_length=250,
        error_messages={"required": "Give your request a subject."},
    )
    product = forms.ModelChoiceField(
        label="Product",
        queryset=Product.objects.only("id", "name"),
        required=False,
        empty_label="Not sure, or not about one product",
    )
    kind = forms.ChoiceField(label="Type of request", choices=CUSTOMER_KINDS)
    impact = forms.ChoiceField(
        label="Who is affected?", choices=IMPACT_CHOICES, initial=Level.MEDIUM
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?", choices=URGENCY_CHOICES, initial=Level.MEDIUM
    )
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, what you expected, and how we can see it ourselves.",
        error_messages={"required": "Describe what you need, so that we can help."},
    )
    attachments = MultipleFileField(label="Attachments", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()

    def clean_attachments(self) -> list[UploadedFile[Any]]:
        return check_files(self.cleaned_data["attachments"])


class ReplyForm(PortalForm):
    service_fields = {"body": "body"}

    body = forms.CharField(
        label="Your reply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(label="Attach files", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()

    def clean_attachments(self) -> list[UploadedFile[Any]]:
        return check_files(self.cleaned_data["attachments"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("body") and not cleaned.get("attachments") and not self.errors:
            self.add_error("body", "Write a message or attach a file.")
        return cleaned
