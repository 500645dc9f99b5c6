"""
The audit trail's endpoints: an object's history (`GET /<collection>/{id}/history/`, added to
every collection by `HistoryMixin`) and the feed of changes across collections (`/changes/`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError

from options import selectors
from options.api import serializers
from options.api.filter_backends import PAGE_PARAMETERS, read_query, reject_unknown_query_parameters
from options.api.pagination import LimitOffsetPagination
from options.api.permissions import PublicRead
from options.api.serializers.audit import ANONYMOUS_USER_FILTER


class HistoryMixin:
    """Adds `GET /<collection>/{id}/history/` to a viewset: the object's audit trail."""

    @extend_schema(responses=serializers.ChangeSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="history",
        filter_backends=[],
        pagination_class=LimitOffsetPagination,
    )
    def history(self, request, pk=None):
        """Every change recorded, newest first, paged: when, what type (`created`, `changed`,
        `deleted`), by whom (`user`), in which request (`request_id` and `server_request_id`, the
        `X-Request-ID` and `X-Server-Request-ID` of its response), each changed field's old and new value (`changes`) and every field's value
        after the change (`snapshot`). The history outlives the object: after a delete, the
        object answers 404 but its history is still served, ending with the delete."""
        reject_unknown_query_parameters(request, PAGE_PARAMETERS)
        model = self.queryset.model
        try:
            object_id = int(pk)
        except ValueError:
            raise NotFound() from None
        changes = selectors.object_history(model=model, object_id=object_id)
        page = self.paginate_queryset(changes)
        if not self.paginator.count and not model._default_manager.filter(pk=object_id).exists():
            raise NotFound()
        serializer = serializers.ChangeSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)


class ChangesView(generics.ListAPIView):
    """Every change recorded by the audit trail, across all collections, newest first, paged.
    Each entry says which object changed (`collection`, `object_id`, and `url` while it
    exists), when, how (`created`, `changed`, `deleted`), by whom, in which request
    (`request_id`, `server_request_id`), with the changed fields' old and new values and a
    snapshot of every field. `since`, `user`, `collection`, `request_id` and `server_request_id`
    narrow it down. A request's `X-Request-ID` finds the changes made under that id (a client
    chooses it, and may reuse it); its `X-Server-Request-ID`, made by the server, finds exactly
    what that one request changed. Who made a change is shown to signed-in readers only."""

    permission_classes = [PublicRead]
    serializer_class = serializers.ChangeSerializer
    filter_backends = []
    pagination_class = LimitOffsetPagination

    @extend_schema(
        summary="List the changes to every collection",
        parameters=[serializers.ChangesQuerySerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = read_query(serializers.ChangesQuerySerializer, self.request, paged=True)
        if query.get("user") and not self.request.user.is_authenticated:
            raise ValidationError({"user": [ANONYMOUS_USER_FILTER]})
        audited = serializers.audited_collections()
        collections = list(dict.fromkeys(query["collection"])) or audited
        return selectors.change_feed(
            audited_models=[audited[name] for name in collections],
            since=query.get("since"),
            username=query.get("user"),
            request_id=query.get("request_id"),
            server_request_id=query.get("server_request_id"),
        )
