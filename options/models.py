"""
The domain of policytracker: topics, the policy options on them, the stakeholders, and what each
stakeholder has said (or is reported or expected to hold) about each option, with evidence.

The vocabulary is in ../shared/DESIGN.md. Invariants are named database constraints; the same
rules are checked in `clean()` and by field validators so that the admin and the API refuse the
same data with the same message (both call `full_clean()`).
"""

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, router, transaction
from django.db.models import F, Q
from django.db.models.deletion import Collector
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django_countries.fields import CountryField

from options.audit import AuditTrail
from options.dates import date_interval

END_BEFORE_START_MESSAGE = "The end date cannot be before the start date."


class DatePrecision(models.TextChoices):
    """How much of a date is known: a "month" date is shown as its month, and so on."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def date_precision_field(verbose_name: str) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the date is known; the date itself is the best estimate.",
    )


def end_not_before_start(name: str, start: str = "start_date", end: str = "end_date"):
    """A CheckConstraint: the end date, when both are known, is not before the start date."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=END_BEFORE_START_MESSAGE,
    )


def check_end_not_before_start(obj: models.Model, start: str = "start_date", end: str = "end_date"):
    """The `clean()` side of `end_not_before_start`, reported on the end date field."""
    start_value, end_value = getattr(obj, start), getattr(obj, end)
    if start_value and end_value and end_value < start_value:
        raise ValidationError({end: END_BEFORE_START_MESSAGE})


def many_to_many_referrers(instance: models.Model) -> list[models.Model]:
    """The objects that refer to `instance` through a plain many-to-many field.

    Django cascades such links away silently on delete; we refuse the delete instead, as
    `on_delete=PROTECT` does for foreign keys. (Through models declare their own `on_delete`.)
    """
    referrers = []
    for relation in instance._meta.related_objects:
        if relation.many_to_many and relation.through._meta.auto_created:
            referrers.extend(getattr(instance, relation.get_accessor_name()).all())
    return referrers


def protected_referrers(instance: models.Model) -> list[models.Model]:
    """The objects whose `on_delete=PROTECT` foreign keys stop `instance` from being deleted."""
    collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
    try:
        collector.collect([instance])
    except models.ProtectedError as error:
        return list(error.protected_objects)
    return []


def refuse_delete_if_referenced(instance: models.Model) -> None:
    """Raise ProtectedError if other objects refer to `instance` through a many-to-many field,
    naming every referrer (the protecting foreign keys' too, so that the list is complete)."""
    referrers = many_to_many_referrers(instance)
    if referrers:
        raise models.ProtectedError(
            f"Cannot delete {instance._meta.verbose_name} “{instance}”: other records still "
            "refer to it.",
            {*protected_referrers(instance), *referrers},
        )


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores "López" as it is, not as "L\\u00f3pez": so that searching text in JSON finds it
    (SQLite keeps JSON as text; PostgreSQL's jsonb is unaffected)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "ensure_ascii": False})


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, editable=False)
    updated = models.DateTimeField(auto_now=True, editable=False)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one with every save: the API's ETag, the admin's edit check.",
    )

    # The places a field of the model is not in, on purpose, and why: tests/test_completeness.py
    # walks whoever adds a field to every other place (docs/architecture.md). Merged along the
    # class hierarchy: each model adds its own.
    left_out = {
        "admin": {"version": "the edit check carries it, in a hidden field"},
        "resource": {
            "created": "set when the record is, not by a file",
            "updated": "set at each save, not by a file",
            "version": "a row of a file is not a version of the record",
        },
        "filters": {"version": "the ETag's number, not a property of what the record says"},
        "popolo": {"version": "the ETag's number, not a property of what the record says"},
        "ftm": {
            "created": "FtM entities carry no record dates",
            "updated": "FtM entities carry no record dates",
            "version": "the ETag's number, not a property of what the record says",
        },
    }

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(type(self))):
            if not self._state.adding and self.pk is not None:
                self.version = self._next_version()
                update_fields = kwargs.get("update_fields")
                if update_fields is not None and "version" not in update_fields:
                    kwargs["update_fields"] = [*update_fields, "version"]
            super().save(*args, **kwargs)

    def _next_version(self) -> int:
        """Take the next version in the database, whatever version this copy was loaded at
        (a revert saves an old copy). Concurrent saves never get the same number: the UPDATE
        holds the row until the transaction ends."""
        rows = type(self)._base_manager.filter(pk=self.pk)
        if not rows.update(version=F("version") + 1):
            return self.version + 1  # gone from the database meanwhile: the save will say so
        return rows.values_list("version", flat=True).get()

    def lock_at_version(self, versions: list[int]) -> bool:
        """Hold this object's row until the transaction ends if its version in the database is
        one of `versions`, and say whether it is. Call it inside `transaction.atomic()`, before
        a write that must not overwrite a change made since the writer read `versions`."""
        # An UPDATE rather than SELECT … FOR UPDATE, which SQLite lacks: PostgreSQL then holds
        # the row, SQLite the database, until the transaction ends.
        rows = type(self)._base_manager.filter(pk=self.pk, version__in=versions)
        return bool(rows.update(version=F("version")))

    def delete(self, *args, **kwargs):
        # Checked before Django's deletion transaction opens, so that a refusal leaves an
        # enclosing transaction usable. The pre_delete receiver below covers queryset deletes.
        refuse_delete_if_referenced(self)
        return super().delete(*args, **kwargs)


class SlugManager(models.Manager):
    """Looks objects up by their slug, the natural key used by fixtures."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class TopicScopedSlugManager(models.Manager):
    """Looks objects up by (topic slug, slug): their slugs are unique within a topic."""

    def get_by_natural_key(self, topic_slug, slug):
        return self.get(topic__slug=topic_slug, slug=slug)


class Source(TimeStampedModel):
    """Where a fact comes from: an article, a statement, a report."""

    class Reliability(models.TextChoices):
        """The Admiralty (NATO) grading of a source's reliability. It weighs the positions the
        source gives (docs/analysis.md); F is "not judged", not "unreliable"."""

        A = "A", "A: completely reliable"
        B = "B", "B: usually reliable"
        C = "C", "C: fairly reliable"
        D = "D", "D: not usually reliable"
        E = "E", "E: unreliable"
        F = "F", "F: reliability cannot be judged"

    class Kind(models.TextChoices):
        NEWS_REPORT = "news_report", "News report"
        ANALYSIS = "analysis", "Editorial or analysis"
        OFFICIAL_STATEMENT = "official_statement", "Official statement"
        INTERVIEW = "interview", "Interview"
        SOCIAL_MEDIA = "social_media", "Social media"
        REPORT = "report", "Report"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)
    published_precision = date_precision_field("precision of the published date")
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text=(
            "How far the source can be trusted, on the Admiralty scale (A completely reliable … "
            "E unreliable; F cannot be judged): an analyst's grade, which weighs the positions "
            "it gives."
        ),
    )
    cited_in = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cites",
        help_text="The source through which this one is known, when it is only known second hand.",
    )
    notes = models.TextField(blank=True)

    objects = SlugManager()
    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "filters": {
            "url": "a link to follow, not something to look sources up by",
            "published_precision": "how precise `published` is: filtered through `published`",
        }
    }

    class Meta:
        ordering = ["-published", "title"]
        verbose_name = "source"

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)


class Topic(TimeStampedModel):
    """A policy question inside a crisis, e.g. how to resolve Venezuela's 2019 crisis."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    question = models.CharField(max_length=500)
    country = CountryField(blank=True, help_text="ISO 3166-1 alpha-2 code, if the topic has one.")
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="topics")

    objects = SlugManager()
    history = AuditTrail(m2m_fields=["sources"])

    class Meta:
        ordering = ["title"]
        verbose_name = "topic"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        """The topic's page: stance matrix, forecast and timeline."""
        return reverse("topic-page", args=[self.slug])

    def natural_key(self):
        return (self.slug,)


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


class PolicyOption(TimeStampedModel):
    """A course of action on a topic: sanctions, a negotiation, an intervention…"""

    class Kind(models.TextChoices):
        SANCTIONS = "sanctions", "Sanctions"
        NEGOTIATION = "negotiation", "Negotiation"
        MILITARY_INTERVENTION = "military_intervention", "Military intervention"
        TRANSITION_DEAL = "transition_deal", "Transition deal"
        DIPLOMATIC_PRESSURE = "diplomatic_pressure", "Diplomatic pressure"
        RECOGNITION = "recognition", "Recognition"
        HUMANITARIAN_AID = "humanitarian_aid", "Humanitarian aid"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        THREATENED = "threatened", "Threatened"
        IN_FORCE = "in_force", "In force"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="options")
    slug = models.SlugField(max_length=100, help_text="Unique within the topic.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposer = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_options",
    )
    actors = models.ManyToManyField(
        Stakeholder,
        blank=True,
        related_name="acting_in_options",
        help_text="The stakeholders who would carry the option out.",
    )
    targets = models.ManyToManyField(Stakeholder, blank=True, related_name="targeted_by_options")
    venue = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_options",
        help_text="The bloc or group through which a negotiation runs.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="options")

    objects = TopicScopedSlugManager()
    history = AuditTrail(m2m_fields=["actors", "targets", "sources"])

    left_out = {  # see TimeStampedModel.left_out
        "filters": {"sources": "options are looked up by what they are, not by who cites them"}
    }

    class Meta:
        ordering = ["topic__title", "title"]
        verbose_name = "policy option"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "slug"],
                name="option_slug_unique_per_topic",
                violation_error_message="This topic already has an option with this slug.",
            ),
            end_not_before_start("option_end_not_before_start"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.topic.natural_key(), self.slug)

    natural_key.dependencies = ["options.topic"]

    def clean(self):
        check_end_not_before_start(self)


class SanctionMeasure(TimeStampedModel):
    """The detail of a sanctions option. Threatened measures are recorded before they bite."""

    class MeasureType(models.TextChoices):
        ASSET_FREEZE = "asset_freeze", "Asset freeze"
        TRAVEL_BAN = "travel_ban", "Travel ban"
        ARMS_EMBARGO = "arms_embargo", "Arms embargo"
        TRADE = "trade", "Trade"
        FINANCIAL = "financial", "Financial"
        SECTORAL = "sectoral", "Sectoral"
        OTHER = "other", "Other"

    option = models.ForeignKey(PolicyOption, on_delete=models.PROTECT, related_name="measures")
    measure_type = models.CharField(max_length=20, choices=MeasureType.choices)
    imposing_authority = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imposed_measures",
    )
    legal_basis = models.CharField(max_length=300, blank=True, help_text="e.g. an executive order.")
    programme_code = models.CharField(max_length=50, blank=True)
    target = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sanction_measures",
    )
    threatened_date = models.DateField(null=True, blank=True)
    listed_date = models.DateField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="sanction_measures"
    )
    quote = models.TextField(blank=True)

    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "ftm": {"quote": "an FtM Sanction has no place for the evidence's words"}
    }

    class Meta:
        ordering = ["option__title", "effective_date", "id"]
        verbose_name = "sanction measure"
        constraints = [
            end_not_before_start("sanction_end_not_before_effective", start="effective_date"),
        ]

    def __str__(self):
        target = f" on {self.target}" if self.target_id else ""
        return f"{self.get_measure_type_display()}{target} ({self.option})"

    def clean(self):
        check_end_not_before_start(self, start="effective_date")
        if self.option_id and self.option.kind != PolicyOption.Kind.SANCTIONS:
            raise ValidationError(
                {"option": "Sanction measures belong to an option of the kind sanctions."}
            )


# What a related object is shown with inside another one (its brief form: the API's brief objects,
# the admin's links): the rest of its row is not read. Reading related objects' whole rows,
# descriptions, aliases and timestamps included, took half the time of a page of positions.
BRIEF_FIELDS = {
    "Topic": {"id", "slug", "title"},
    "Source": {"id", "slug", "title", "url"},
    "Stakeholder": {"id", "slug", "name", "kind"},
    "PolicyOption": {"id", "slug", "title", "topic"},
}


def beyond_brief(relation: str, model: type[models.Model]) -> list[str]:
    """The fields of `relation` (a related `model`) outside its brief form, for `defer()`."""
    brief = BRIEF_FIELDS[model.__name__]
    return [
        f"{relation}__{field.name}"
        for field in model._meta.concrete_fields
        if field.name not in brief
    ]


class PositionQuerySet(models.QuerySet):
    def with_related(self):
        """With everything a position is shown with: no query per row."""
        return (
            self.select_related("stakeholder", "option__topic", "reported_by", "source")
            .defer(
                *beyond_brief("stakeholder", Stakeholder),
                *beyond_brief("option", PolicyOption),
                *beyond_brief("option__topic", Topic),
                *beyond_brief("reported_by", Stakeholder),
                *beyond_brief("source", Source),
            )
            .prefetch_related(
                models.Prefetch(
                    "disputes",
                    queryset=PositionDispute.objects.select_related("disputed_by", "source").defer(
                        *beyond_brief("disputed_by", Stakeholder),
                        *beyond_brief("source", Source),
                    ),
                    # A list (read by the API's serializers) rather than a queryset per
                    # position: 4 ms less a page of positions.
                    to_attr="prefetched_disputes",
                )
            )
        )


class Position(TimeStampedModel):
    """One stakeholder's stance on one option at a date, with the evidence for it.

    A stakeholder's positions form a history: the newest one with `as_of` on or before a date,
    for each basis, is the position "as of" that date.
    """

    class Stance(models.IntegerChoices):
        STRONGLY_OPPOSE = -2, "Strongly oppose"
        OPPOSE = -1, "Oppose"
        NEUTRAL = 0, "Neutral or undecided"
        SUPPORT = 1, "Support"
        STRONGLY_SUPPORT = 2, "Strongly support"

    class Basis(models.TextChoices):
        STATED = "stated", "Stated (said publicly)"
        REPORTED = "reported", "Reported (by someone else)"
        EXPECTED = "expected", "Expected (an expectation or private commitment)"
        REVEALED = "revealed", "Revealed (inferred from actions)"

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="positions")
    option = models.ForeignKey(PolicyOption, on_delete=models.PROTECT, related_name="positions")
    # No `choices`: the admin shows a number input and both the admin and the API answer an
    # out-of-range stance with the validators' message. `Stance` gives the labels.
    stance = models.SmallIntegerField(
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="−2 strongly oppose … +2 strongly support.",
    )
    basis = models.CharField(max_length=10, choices=Basis.choices)
    reported_by = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_positions",
        help_text="Who reports the position, when the basis is reported.",
    )
    as_of = models.DateField("as of")
    as_of_precision = date_precision_field("precision of the as-of date")
    salience = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="How much the stakeholder cares, 0–100.",
    )
    confidence = models.CharField(
        max_length=6, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="positions")
    quote = models.TextField(blank=True, help_text="Verbatim and short.")
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    retracted_on = models.DateField(
        "retracted on",
        null=True,
        blank=True,
        help_text=(
            "When the stakeholder withdrew this position, if they did. From that date on the "
            "position weighs nothing in the forecast; before it, it counts as usual."
        ),
    )
    retracted_precision = date_precision_field("precision of the retraction date")

    objects = PositionQuerySet.as_manager()
    history = AuditTrail()

    left_out = {  # see TimeStampedModel.left_out
        "filters": {
            "as_of_precision": "how precise `as_of` is: filtered through `as_of`",
            "retracted_precision": "how precise `retracted_on` is: filtered through it",
        }
    }

    class Meta:
        # Newest first, and the latest recorded first on the same day: an index scan (a sort by
        # a related name, as before, made every page sort the whole table).
        ordering = ["-as_of", "-id"]
        verbose_name = "position"
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__gte=-2, stance__lte=2),
                name="position_stance_in_range",
                violation_error_message="The stance must be between −2 and +2.",
            ),
            models.CheckConstraint(
                condition=Q(salience__isnull=True) | Q(salience__gte=0, salience__lte=100),
                name="position_salience_in_range",
                violation_error_message="The salience must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(basis="reported") | Q(reported_by__isnull=True),
                name="position_reported_by_only_when_reported",
                violation_error_message="Only a reported position names who reported it.",
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "option", "basis", "as_of", "source"],
                name="position_unique_per_source",
                violation_error_message=(
                    "This source already gives this stakeholder's position on this option, "
                    "on this basis and date."
                ),
            ),
        ]
        indexes = [
            # The "as of D" lookup: newest position per stakeholder × option × basis, in the
            # whole order that picks it (the latest recorded wins on a date), with the precision
            # that says whether a date is known by D, so that finding it reads one index entry
            # (options/analysis/asof.py).
            models.Index(
                fields=[
                    "stakeholder",
                    "option",
                    "basis",
                    "as_of",
                    "created",
                    "id",
                    "as_of_precision",
                ],
                name="position_history_idx",
            ),
            # An option's positions up to a date, newest first, with everything the analyses
            # read of them: their scan never reads the table (bench/README.md).
            models.Index(
                fields=[
                    "option",
                    "as_of",
                    "id",
                    "stakeholder",
                    "basis",
                    "stance",
                    "salience",
                    "as_of_precision",
                    "confidence",
                    "source",
                    "retracted_on",
                    "retracted_precision",
                ],
                name="position_option_as_of_idx",
            ),
            models.Index(fields=["basis", "as_of"], name="position_basis_as_of_idx"),
            # The few retracted positions, for the timeline's retractions.
            models.Index(
                fields=["retracted_on"],
                condition=Q(retracted_on__isnull=False),
                name="position_retracted_idx",
            ),
            models.Index(fields=["as_of"], name="position_as_of_idx"),
        ]

    def __str__(self):
        return (
            f"{self.stakeholder} on {self.option}: {self.stance_label.lower()} "
            f"({self.basis}, {self.as_of:%Y-%m-%d})"
        )

    @property
    def stance_label(self) -> str:
        """The stance in words, e.g. "Strongly oppose"."""
        try:
            return self.Stance(self.stance).label
        except ValueError:
            return str(self.stance)

    @property
    def retracted(self) -> bool:
        """Whether a retraction is recorded; `retracted_on` says from when it counts."""
        return self.retracted_on is not None

    def clean(self):
        errors = {}
        if self.reported_by_id and self.basis != self.Basis.REPORTED:
            errors["reported_by"] = "Only a reported position names who reported it."
        if (
            self.retracted_on
            and self.as_of
            and date_interval(self.retracted_on, self.retracted_precision)[1]
            < date_interval(self.as_of, self.as_of_precision)[0]
        ):
            errors["retracted_on"] = "A position cannot be retracted before it was taken."
        if errors:
            raise ValidationError(errors)


class PositionDispute(TimeStampedModel):
    """Another stakeholder denies that a position is held (with its own source and date)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="disputes")
    disputed_by = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="disputed_positions"
    )
    date = models.DateField(
        help_text="When the denial was made; the position counts as disputed from then on."
    )
    date_precision = date_precision_field("precision of the date")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="disputes")
    quote = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    history = AuditTrail()
    left_out = {  # see TimeStampedModel.left_out
        "serializer": {
            "position": "shown inside its position (`disputes`)",
            "created": "shown inside its position, whose dates and ETag cover it",
            "updated": "shown inside its position, whose dates and ETag cover it",
            "version": "shown inside its position, whose dates and ETag cover it",
        }
    }

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = "position dispute"

    def __str__(self):
        return f"{self.disputed_by} disputes: {self.position}"


class EventQuerySet(models.QuerySet):
    def with_related(self):
        """With everything an event is shown with: no query per row."""
        return self.select_related("topic").prefetch_related(
            models.Prefetch(
                "participations",
                queryset=EventParticipant.objects.select_related("stakeholder"),
            ),
            "options",
            "sources",
            "claimed_by",
            "denied_by",
        )


class Event(TimeStampedModel):
    """A dated happening on a topic, with who took part, and how certain it is."""

    class Certainty(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CLAIMED = "claimed", "Claimed"
        DISPUTED = "disputed", "Disputed"
        DENIED = "denied", "Denied"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="events")
    slug = models.SlugField(max_length=100, help_text="Unique within the topic.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    date = models.DateField()
    date_precision = date_precision_field("precision of the date")
    location = models.CharField(max_length=200, blank=True)
    participants = models.ManyToManyField(
        Stakeholder, through="EventParticipant", related_name="events", blank=True
    )
    options = models.ManyToManyField(
        PolicyOption, blank=True, related_name="events", verbose_name="related options"
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="events")
    certainty = models.CharField(
        max_length=10, choices=Certainty.choices, default=Certainty.CONFIRMED
    )
    claimed_by = models.ManyToManyField(Stakeholder, blank=True, related_name="claimed_events")
    denied_by = models.ManyToManyField(Stakeholder, blank=True, related_name="denied_events")

    objects = TopicScopedSlugManager.from_queryset(EventQuerySet)()
    history = AuditTrail(m2m_fields=["options", "sources", "claimed_by", "denied_by"])

    left_out = {  # see TimeStampedModel.left_out
        "admin": {"participants": "edited with their roles, in the participants' inline"},
        "filters": {"date_precision": "how precise `date` is: filtered through `date`"},
    }

    class Meta:
        ordering = ["date", "title"]
        verbose_name = "event"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "slug"],
                name="event_slug_unique_per_topic",
                violation_error_message="This topic already has an event with this slug.",
            ),
        ]
        indexes = [models.Index(fields=["topic", "date"], name="event_topic_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def natural_key(self):
        return (*self.topic.natural_key(), self.slug)

    natural_key.dependencies = ["options.topic"]

    def set_participants(self, participations: list[dict]) -> None:
        """Replace who took part with `participations`: dicts of `stakeholder` and `role`.

        Only what differs is written (a role changed, a participant added or gone), so that the
        audit trail records what really changed."""
        wanted = {item["stakeholder"].pk: item.get("role", "") for item in participations}
        for participant in self.participations.all():
            role = wanted.pop(participant.stakeholder_id, None)
            if role is None:
                participant.delete()
            elif role != participant.role:
                participant.role = role
                participant.save(update_fields=["role"])
        for stakeholder_id, role in wanted.items():
            EventParticipant.objects.create(event=self, stakeholder_id=stakeholder_id, role=role)


class EventParticipant(models.Model):
    """A stakeholder's part in an event, e.g. "led the march"."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=200, blank=True)

    history = AuditTrail()
    left_out = {  # see TimeStampedModel.left_out
        "serializer": {
            "id": "a participation is its event and stakeholder",
            "event": "shown inside its event (`participants`)",
        }
    }

    class Meta:
        ordering = ["event", "id"]
        verbose_name = "event participant"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "stakeholder"],
                name="event_participant_once",
                violation_error_message="This stakeholder already takes part in this event.",
            ),
        ]

    def __str__(self):
        role = f" ({self.role})" if self.role else ""
        return f"{self.stakeholder}{role}"


class Influence(TimeStampedModel):
    """A stakeholder's capability to shape a topic's outcome, as of a date: the forecast weight."""

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="influences"
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="influences")
    option = models.ForeignKey(
        PolicyOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="influences",
        help_text=(
            "Only on this option of the topic: the stakeholder's capability to make or stop this "
            "option, which overrides its topic-wide capability in this option's forecast."
        ),
    )
    capability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="0–100."
    )
    as_of = models.DateField("as of")
    rationale = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="influences"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["topic__title", "-capability", "stakeholder__name"]
        verbose_name = "influence"
        constraints = [
            models.CheckConstraint(
                condition=Q(capability__gte=0, capability__lte=100),
                name="influence_capability_in_range",
                violation_error_message="The capability must be between 0 and 100.",
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "topic", "as_of"],
                condition=Q(option__isnull=True),
                name="influence_once_per_date",
                violation_error_message=(
                    "This stakeholder already has an influence on this topic at this date."
                ),
            ),
            models.UniqueConstraint(
                fields=["stakeholder", "option", "as_of"],
                condition=Q(option__isnull=False),
                name="influence_on_option_once_per_date",
                violation_error_message=(
                    "This stakeholder already has an influence on this option at this date."
                ),
            ),
        ]
        indexes = [models.Index(fields=["topic", "as_of"], name="influence_topic_as_of_idx")]

    def __str__(self):
        scope = self.option if self.option_id else self.topic
        return f"{self.stakeholder} on {scope}: {self.capability} ({self.as_of:%Y-%m-%d})"

    def clean(self):
        if self.option_id and self.topic_id and self.option.topic_id != self.topic_id:
            raise ValidationError({"option": "The option must be one of the topic's options."})


@receiver(pre_delete)
def refuse_delete_of_referenced(sender, instance, **kwargs):
    """Refuse to delete an object that others still refer to through a many-to-many field."""
    if sender._meta.app_label == "options" and not sender._meta.auto_created:
        refuse_delete_if_referenced(instance)
