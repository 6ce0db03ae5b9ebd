"""Forms of the staff editor. They parse input; kb.services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from sustain.accounts.settings.forms import UserChoiceField, staff_users
from sustain.catalog.models import Product, Version
from sustain.core.ids import ModelIdsField, id_field
from sustain.kb.choices import ArticleStatus, Audience
from sustain.kb.models import Article, Category


class VersionChoiceField(ModelIdsField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Version)
        eol = f" (end of life {obj.end_of_life.isoformat()})" if obj.end_of_life else ""
        return f"{obj}{eol}"


class ArticleForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(
        label="Summary",
        max_length=500,
        required=False,
        help_text="One or two sentences; search results show it.",
    )
    body = forms.CharField(
        label="Body",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text="Markdown: # headings, **bold**, lists, `code`, tables, links. HTML is shown "
        "as text.",
    )
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="No category",
    )
    tags = forms.CharField(
        label="Tags", max_length=600, required=False, help_text="Separated by commas."
    )
    audience = forms.ChoiceField(label="Audience", choices=Audience.choices)
    products = ModelIdsField(
        label="Products",
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    versions = VersionChoiceField(
        label="Versions",
        queryset=Version.objects.select_related("product"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="When a version reaches its end of life, the article joins its owner's "
        "review queue.",
    )
    owner = UserChoiceField(label="Owner", queryset=staff_users(), required=False)
    review_by = forms.DateField(
        label="Review by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="From this day the article is in its owner's review queue.",
    )
    note = forms.CharField(
        label="What changed",
        max_length=200,
        required=False,
        help_text="Kept with the revision.",
    )
    # What the page showed: a save by someone else since then is refused (lost updates).
    revision = id_field(widget=forms.HiddenInput, required=False, min_value=0)
    seen = id_field(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, UserChoiceField)
        owner.queryset = staff_users()
        owner.empty_label = "Me"

    @classmethod
    def initial_for(cls, article: Article, revision: int, seen: int) -> dict[str, Any]:
        return {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "category": article.category_id,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "audience": article.audience,
            "products": [p.pk for p in article.products.all()],
            "versions": [v.pk for v in article.versions.all()],
            "owner": article.owner_id,
            "review_by": article.review_by,
            "revision": revision,
            "seen": seen,
        }

    def data_fields(self) -> dict[str, Any]:
        """The cleaned values named as ``services.ArticleData`` names them."""
        data = self.cleaned_data
        owner = data["owner"]
        category = data["category"]
        return {
            "title": data["title"],
            "summary": data["summary"],
            "body": data["body"],
            "category_id": category.pk if category else None,
            "tags": [t.strip() for t in data["tags"].split(",") if t.strip()],
            "audience": data["audience"],
            "product_ids": [p.pk for p in data["products"]],
            "version_ids": [v.pk for v in data["versions"]],
            "owner_id": owner.pk if owner else None,
            "review_by": data["review_by"],
        }


# The service's field names, as the form names them (to show an error beside its field).
SERVICE_FIELDS = {
    "category_id": "category",
    "product_ids": "products",
    "version_ids": "versions",
    "owner_id": "owner",
    "revision": "__all__",
}


class ListFilterForm(forms.Form):
    q = forms.CharField(label="Text", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *ArticleStatus.choices], required=False
    )
    audience = forms.ChoiceField(
        label="Audience", choices=[("", "Any audience"), *Audience.choices], required=False
    )
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="Any category",
    )
    owner = UserChoiceField(
        label="Owner", queryset=staff_users(), required=False, empty_label="Any owner"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, UserChoiceField)
        owner.queryset = staff_users()
