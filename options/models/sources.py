"""Where a fact comes from: `Source`."""

from django.db import models

from options.audit import AuditTrail
from options.models.base import SlugManager, TimeStampedModel, date_precision_field
from options.uris import RFC3986URLValidator


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
    url = models.URLField("URL", max_length=500, blank=True, validators=[RFC3986URLValidator()])
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
