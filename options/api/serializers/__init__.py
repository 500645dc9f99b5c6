"""
The API's serializers, one module a job:

- `resources`: one serializer per collection (the resource's shape, declared once);
- `base`: what they share: fields of their JSON type only, validation by the model's
  `full_clean()`, writes through the write services;
- `fields`: the strict JSON fields, and related objects written as ids and read in brief;
- `fast_read`: how a page of records is read fast (and why);
- `analysis`, `forecast`: the analysis endpoints' queries and answers;
- `audit`: the audit trail's changes.

The names other modules use are importable from here.
"""

from options.api.serializers.audit import (
    ChangeSerializer,
    ChangesQuerySerializer,
    ChangeTypeField,
    audited_collections,
)
from options.api.serializers.base import EXPECTED_VERSIONS
from options.api.serializers.fields import MAX_ID, BriefRelatedField
from options.api.serializers.resources import (
    AffiliationSerializer,
    EventSerializer,
    HealthSerializer,
    InfluenceSerializer,
    PolicyOptionSerializer,
    PositionSerializer,
    SanctionMeasureSerializer,
    SourceSerializer,
    StakeholderSerializer,
    TopicSerializer,
)

__all__ = [
    "audited_collections",
    "EXPECTED_VERSIONS",
    "MAX_ID",
    "AffiliationSerializer",
    "BriefRelatedField",
    "ChangeSerializer",
    "ChangeTypeField",
    "ChangesQuerySerializer",
    "EventSerializer",
    "HealthSerializer",
    "InfluenceSerializer",
    "PolicyOptionSerializer",
    "PositionSerializer",
    "SanctionMeasureSerializer",
    "SourceSerializer",
    "StakeholderSerializer",
    "TopicSerializer",
]
