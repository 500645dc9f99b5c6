"""Whoever's position matters, and the dated ties between them: `Stakeholder` (with its
queryset), `Affiliation`."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from options.audit import AuditTrail
from options.models.base import (
    SlugManager,
    TimeStampedModel,
    UnicodeJSONEncoder,
    check_end_not_before_start,
    end_not_before_start,
)
from options.models.sources import Source


class StakeholderQuerySet(models.QuerySet):
    """Stakeholders, optionally with their affiliations both ways read in one query."""

    _affiliations = None

    def with_affiliations(self, affiliations: models.QuerySet | None = None):
        """With each stakeholder's affiliations as its subject (`prefetched_affiliations`) and as
        its object (`prefetched_incoming_affiliations`), read from `affiliations` in one query
        for both ways (two `Prefetch`es would cost a query each)."""
        clone = self._chain()
        clone._affiliations = Affiliation.objects.all() if affiliations is None else affiliations
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._affiliations = self._affiliations
        return clone

    def _fetch_all(self):
        fetched = self._result_cache is not None
        super()._fetch_all()
        stakeholders = {obj.pk: obj for obj in self._result_cache if isinstance(obj, Stakeholder)}
        if fetched or self._affiliations is None or not stakeholders:
            return
        for stakeholder in stakeholders.values():
            stakeholder.prefetched_affiliations = []
            stakeholder.prefetched_incoming_affiliations = []
        ids = list(stakeholders)
        for affiliation in self._affiliations.filter(
            models.Q(subject_id__in=ids) | models.Q(object_id__in=ids)
        ):
            if affiliation.subject_id in stakeholders:
                stakeholders[affiliation.subject_id].prefetched_affiliations.append(affiliation)
            if affiliation.object_id in stakeholders:
                stakeholder = stakeholders[affiliation.object_id]
                stakeholder.prefetched_incoming_affiliations.append(affiliation)


class Stakeholder(TimeStampedModel):
    """Anyone whose position matters: a person, a state, a body, a bloc, a community…"""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        STATE = "state", "State"
        GOVERNMENT_BODY = "government_body", "Government body"
        POLITICAL_PARTY = "political_party", "Political party"
        ARMED_FORCES = "armed_forces", "Armed forces or security service"
        BLOC = "bloc", "Bloc or intergovernmental group"
        COMMUNITY = "community", "Community or interest group"
        ORGANIZATION = "organization", "Organization"
        MEDIA = "media", "Media"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = CountryField(blank=True, help_text="ISO 3166-1 alpha-2 code; blocs have none.")
    aliases = models.JSONField(
        default=list,
        encoder=UnicodeJSONEncoder,
        blank=True,
        help_text="Other names the stakeholder goes by, as a list.",
    )
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata ID looks like Q42.")],
    )
    opensanctions_id = models.CharField("OpenSanctions ID", max_length=100, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="stakeholders")

    objects = SlugManager.from_queryset(StakeholderQuerySet)()
    history = AuditTrail(m2m_fields=["sources"])

    left_out = {  # see TimeStampedModel.left_out
        "popolo": {"slug": "Popolo ids are the exchange's own (policytracker-stakeholder-N)"},
        "ftm": {"slug": "FtM ids are the exchange's own (policytracker-stakeholder-N)"},
    }

    class Meta:
        ordering = ["name"]
        verbose_name = "stakeholder"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) and alias.strip() for alias in self.aliases
        ):
            raise ValidationError({"aliases": "Aliases must be a list of non-empty names."})


class Affiliation(TimeStampedModel):
    """A dated tie between two stakeholders: Padrino López holds the post of Defence Minister…"""

    class Kind(models.TextChoices):
        MEMBER_OF = "member_of", "Member of"
        LEADS = "leads", "Leads"
        HOLDS_POST_IN = "holds_post_in", "Holds post in"
        ALLIED_WITH = "allied_with", "Allied with"
        BACKS = "backs", "Backs"

    subject = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="affiliations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="incoming_affiliations"
    )
    role = models.CharField(
        max_length=200, blank=True, help_text='The post held, e.g. "Defence Minister".'
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="affiliations"
    )
    quote = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "popolo": {
            "quote": "a Popolo membership has no place for the evidence's words",
            "notes": "a Popolo membership has no place for editors' notes",
        }
    }

    class Meta:
        ordering = ["subject__name", "kind", "object__name"]
        verbose_name = "affiliation"
        constraints = [
            end_not_before_start("affiliation_end_not_before_start"),
            models.CheckConstraint(
                condition=~Q(subject=F("object")),
                name="affiliation_not_with_itself",
                violation_error_message="A stakeholder cannot be affiliated with itself.",
            ),
        ]

    def __str__(self):
        role = f" ({self.role})" if self.role else ""
        return f"{self.subject} {self.get_kind_display().lower()} {self.object}{role}"

    def clean(self):
        errors = {}
        if self.subject_id and self.subject_id == self.object_id:
            errors["object"] = "A stakeholder cannot be affiliated with itself."
        try:
            check_end_not_before_start(self)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
