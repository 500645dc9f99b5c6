"""factory_boy factories for every model; each builds a valid object with its relations."""

import datetime

import factory

from options import models


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    kind = models.Source.Kind.NEWS_REPORT
    publisher = "The Daily Example"
    published = datetime.date(2019, 5, 1)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.Sequence(lambda n: f"Topic {n}")
    question = "How should the crisis be resolved?"
    country = "VE"


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stakeholder

    slug = factory.Sequence(lambda n: f"stakeholder-{n}")
    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    kind = models.Stakeholder.Kind.PERSON
    country = "VE"


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Affiliation

    subject = factory.SubFactory(StakeholderFactory)
    kind = models.Affiliation.Kind.MEMBER_OF
    object = factory.SubFactory(StakeholderFactory, kind=models.Stakeholder.Kind.BLOC)
    source = factory.SubFactory(SourceFactory)


class PolicyOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PolicyOption

    topic = factory.SubFactory(TopicFactory)
    slug = factory.Sequence(lambda n: f"option-{n}")
    title = factory.Sequence(lambda n: f"Option {n}")
    kind = models.PolicyOption.Kind.NEGOTIATION
    status = models.PolicyOption.Status.PROPOSED


class SanctionMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SanctionMeasure

    option = factory.SubFactory(PolicyOptionFactory, kind=models.PolicyOption.Kind.SANCTIONS)
    measure_type = models.SanctionMeasure.MeasureType.ASSET_FREEZE
    imposing_authority = factory.SubFactory(StakeholderFactory, kind=models.Stakeholder.Kind.STATE)
    target = factory.SubFactory(StakeholderFactory)
    effective_date = datetime.date(2019, 1, 28)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Position

    stakeholder = factory.SubFactory(StakeholderFactory)
    option = factory.SubFactory(PolicyOptionFactory)
    stance = models.Position.Stance.SUPPORT
    basis = models.Position.Basis.STATED
    as_of = datetime.date(2019, 4, 30)
    salience = 50
    source = factory.SubFactory(SourceFactory)


class PositionDisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PositionDispute

    position = factory.SubFactory(PositionFactory)
    disputed_by = factory.SubFactory(StakeholderFactory)
    date = datetime.date(2019, 5, 2)
    source = factory.SubFactory(SourceFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    topic = factory.SubFactory(TopicFactory)
    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Event {n}")
    date = datetime.date(2019, 4, 30)


class EventParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EventParticipant

    event = factory.SubFactory(EventFactory)
    stakeholder = factory.SubFactory(StakeholderFactory)
    role = "took part"


class InfluenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Influence

    stakeholder = factory.SubFactory(StakeholderFactory)
    topic = factory.SubFactory(TopicFactory)
    capability = 60
    as_of = datetime.date(2019, 4, 1)
    source = factory.SubFactory(SourceFactory)
