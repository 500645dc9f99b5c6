"""The policy questions, one inside a crisis each: `Topic`."""

from django.db import models
from django.urls import reverse
from django_countries.fields import CountryField

from options.audit import AuditTrail
from options.models.base import SlugManager, TimeStampedModel
from options.models.sources import Source


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
