"""
The `naive` baseline: what a typical DRF app does. `ModelSerializer` with `depth = 1` over the
same model, generic views over `Model.objects.all()` (no `select_related`, no
`prefetch_related`), with the API's pagination, filter sets, search and ordering.

(With django-countries' `CountryFieldMixin`, as its documentation says, or a blank country would
not serialise.) Its JSON is not the API's (nested objects are whole rows, not brief objects; ids stand for what
lies deeper), but it carries the same information: each nested object costs a query per row.
"""

from django_countries.serializers import CountryFieldMixin
from rest_framework import generics, serializers
from rest_framework.utils.field_mapping import get_nested_relation_kwargs

from options import models
from options.api import filters
from options.api.pagination import LimitOffsetPagination
from options.api.views import PositionViewSet, StakeholderViewSet


class NaiveModelSerializer(CountryFieldMixin, serializers.ModelSerializer):
    def build_nested_field(self, field_name, relation_info, nested_depth):
        # DRF's own, but nested serializers get the mixin too.
        class NestedSerializer(NaiveModelSerializer):
            class Meta:
                model = relation_info.related_model
                depth = nested_depth - 1
                fields = "__all__"

        return NestedSerializer, get_nested_relation_kwargs(relation_info)


class NaivePositionSerializer(NaiveModelSerializer):
    class Meta:
        model = models.Position
        fields = [
            "id",
            "stakeholder",
            "option",
            "stance",
            "basis",
            "reported_by",
            "as_of",
            "as_of_precision",
            "salience",
            "confidence",
            "source",
            "quote",
            "summary",
            "notes",
            "retracted",
            "retracted_on",
            "retracted_precision",
            "disputes",
            "created",
            "updated",
        ]
        depth = 1


class NaiveStakeholderSerializer(NaiveModelSerializer):
    class Meta:
        model = models.Stakeholder
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "country",
            "aliases",
            "description",
            "wikidata_id",
            "opensanctions_id",
            "sources",
            "affiliations",
            "incoming_affiliations",
            "created",
            "updated",
        ]
        depth = 1


class NaivePolicyOptionSerializer(NaiveModelSerializer):
    class Meta:
        model = models.PolicyOption
        fields = [
            "id",
            "topic",
            "slug",
            "title",
            "kind",
            "status",
            "proposer",
            "actors",
            "targets",
            "venue",
            "start_date",
            "end_date",
            "description",
            "sources",
            "measures",
            "created",
            "updated",
        ]
        depth = 1


class PositionList(generics.ListAPIView):
    queryset = models.Position.objects.all()
    serializer_class = NaivePositionSerializer
    pagination_class = LimitOffsetPagination
    filterset_class = filters.PositionFilterSet
    search_fields = PositionViewSet.search_fields
    ordering_fields = PositionViewSet.ordering_fields


class StakeholderList(generics.ListAPIView):
    queryset = models.Stakeholder.objects.all()
    serializer_class = NaiveStakeholderSerializer
    pagination_class = LimitOffsetPagination
    filterset_class = filters.StakeholderFilterSet
    search_fields = StakeholderViewSet.search_fields
    ordering_fields = StakeholderViewSet.ordering_fields


class PolicyOptionDetail(generics.RetrieveAPIView):
    queryset = models.PolicyOption.objects.all()
    serializer_class = NaivePolicyOptionSerializer
