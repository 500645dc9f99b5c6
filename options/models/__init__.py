"""
The domain of policytracker: topics, the policy options on them, the stakeholders, and what each
stakeholder has said (or is reported or expected to hold) about each option, with evidence.

The vocabulary is in ../shared/DESIGN.md. Invariants are named database constraints; the same
rules are checked in `clean()` and by field validators so that the admin and the API refuse the
same data with the same message (both call `full_clean()`).

One module a job; every name is importable from here (`from options.models import Position`):

- `base`: what every model shares: `TimeStampedModel` (timestamps, the version, `left_out`),
  `DatePrecision` and `date_precision_field`, the end-not-before-start rule
  (`end_not_before_start`, `check_end_not_before_start`), the refusal to delete what others
  refer to (`refuse_delete_if_referenced`), `UnicodeJSONEncoder`, `SlugManager`,
  `TopicScopedSlugManager`;
- `sources`: `Source`;
- `topics`: `Topic`;
- `stakeholders`: `Stakeholder` (and `StakeholderQuerySet`), `Affiliation`;
- `policy_options`: `PolicyOption`, `SanctionMeasure`;
- `positions`: `Position`, `PositionDispute`;
- `events`: `Event`, `EventParticipant`;
- `influences`: `Influence`;
- `tracking`: `ChangeEvent`, `Subscription`, `Delivery`, `DeliveryAttempt` (live tracking:
  options/tracking/);
- `signals`: the pre_delete receiver `refuse_delete_of_referenced`.

The modules are imported in the order the models were always defined in: Django registers the
models in that order (the app's `get_models()`, hence content types and backups), and the
pre_delete receiver is connected after every model's own receivers.
"""

# isort: off
from options.models.base import (
    END_BEFORE_START_MESSAGE,
    DatePrecision,
    SlugManager,
    TimeStampedModel,
    TopicScopedSlugManager,
    UnicodeJSONEncoder,
    check_end_not_before_start,
    date_precision_field,
    end_not_before_start,
    many_to_many_referrers,
    protected_referrers,
    refuse_delete_if_referenced,
)
from options.models.sources import Source
from options.models.topics import Topic
from options.models.stakeholders import Affiliation, Stakeholder, StakeholderQuerySet
from options.models.policy_options import PolicyOption, SanctionMeasure
from options.models.positions import Position, PositionDispute
from options.models.events import Event, EventParticipant
from options.models.influences import Influence
from options.models.tracking import ChangeEvent, Delivery, DeliveryAttempt, Subscription
from options.models.signals import refuse_delete_of_referenced

# isort: on

__all__ = [
    "END_BEFORE_START_MESSAGE",
    "Affiliation",
    "ChangeEvent",
    "Delivery",
    "DeliveryAttempt",
    "DatePrecision",
    "Event",
    "EventParticipant",
    "Influence",
    "PolicyOption",
    "Position",
    "PositionDispute",
    "SanctionMeasure",
    "SlugManager",
    "Source",
    "Stakeholder",
    "StakeholderQuerySet",
    "Subscription",
    "TimeStampedModel",
    "Topic",
    "TopicScopedSlugManager",
    "UnicodeJSONEncoder",
    "check_end_not_before_start",
    "date_precision_field",
    "end_not_before_start",
    "many_to_many_referrers",
    "protected_referrers",
    "refuse_delete_if_referenced",
    "refuse_delete_of_referenced",
]
