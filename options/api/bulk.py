"""
Bulk create: `POST /<collection>/bulk/` with a JSON array of objects creates one record per item,
in one transaction, all or nothing. It is an operation of its own (`<collection>_bulk_create` in
the schema), as NetBox's bulk operations are: a generated client's single create then takes and
returns one object, never `X | list[X]` that every caller must narrow. The collection's own
`POST /<collection>/` takes one object, and answers an array with a 400 that names the bulk URL.

Each item goes through exactly what a single create goes through (the collection's serializer,
the model's `full_clean()`, `perform_create`, one audit-trail record with the request's id),
in the order given, each seeing the items before it as already created: two items that clash
(the same slug, the same position twice) are refused like an item that clashes with a stored
record, at the index of the second one, with the same message. If any item is refused, nothing
is created and the answer is a 400 whose `errors` are keyed by the index of each refused item
(from 0, as a string: a JSON object's keys are strings), each holding that item's field errors
as a single create reports them:

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "1 of 3 items is invalid: nothing was created. ...", "code": "invalid",
     "errors": {"2": {"stance": ["Ensure this value is less than or equal to 2."]}}}

An empty array is a 400, and so is an array of more than `MAX_ITEMS` items (code
`too_many_items`).
"""

from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from options import services

# The most items one request may create. Each is validated and saved as a single create is (some
# twenty queries, 5 to 30 ms), all in one transaction that holds its locks until the last item
# is in: 100 items answer in about a second, where 1,000 took 10 to 30 s, past proxies' and
# clients' usual timeouts. (The 1 MiB body limit alone would let through thousands.)
MAX_ITEMS = 100


class TooManyItems(exceptions.ValidationError):
    """More items than one request may create: a 400, as for any value beyond the schema's
    bounds (the schema says `maxItems`)."""

    problem_code = "too_many_items"

    def __init__(self, count: int):
        message = serializers.ListSerializer.default_error_messages["max_length"]
        super().__init__(
            {api_settings.NON_FIELD_ERRORS_KEY: [message.format(max_length=MAX_ITEMS)]}
        )
        self.problem_detail = (
            f"A request creates at most {MAX_ITEMS} items; this one has {count}. "
            "Nothing was created: send them in several requests."
        )


class InvalidItems(exceptions.ValidationError):
    """Some items of a bulk create are invalid: their errors, keyed by index."""

    def __init__(self, errors: dict[str, dict], count: int):
        super().__init__(errors)
        invalid = len(errors)
        verb = "is" if invalid == 1 else "are"
        self.problem_detail = (
            f"{invalid} of {count} items {verb} invalid: nothing was created. `errors` gives "
            "each invalid item's messages under its index in the list (from 0)."
        )


def empty_list_error() -> exceptions.ValidationError:
    message = serializers.ListSerializer.default_error_messages["empty"]
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="empty")


class UseBulkCreate(exceptions.ValidationError):
    """An array sent to a collection's single create: a 400 that says where arrays go."""

    def __init__(self, bulk_url: str):
        message = (
            "Expected an object. To create several records at once, send the array to "
            f"{bulk_url} (a bulk create, all or nothing)."
        )
        super().__init__({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="invalid")
        self.problem_detail = message


class BulkCreateMixin:
    """`POST /<collection>/` creates one record (DRF's create); `POST /<collection>/bulk/`
    creates every item of an array, all or nothing (see the module's docstring)."""

    def create(self, request, *args, **kwargs):
        if isinstance(request.data, list):
            raise UseBulkCreate(self.reverse_action(self.bulk_create.url_name))
        return super().create(request, *args, **kwargs)

    @action(detail=False, methods=["post"], url_path="bulk", url_name="bulk-create")
    def bulk_create(self, request, *args, **kwargs):
        items = request.data
        if not isinstance(items, list):
            message = serializers.ListSerializer.default_error_messages["not_a_list"]
            raise exceptions.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        message.format(input_type=type(items).__name__)
                    ]
                },
                code="not_a_list",
            )
        if not items:
            raise empty_list_error()
        if len(items) > MAX_ITEMS:
            raise TooManyItems(len(items))
        created = self.perform_bulk_create(items)
        # Read back through the collection's queryset (its select_related and prefetches): a
        # constant number of queries to represent them all, the same representation as a read.
        by_pk = self.get_queryset().in_bulk([instance.pk for instance in created])
        records = [by_pk[instance.pk] for instance in created]
        serializer = self.get_serializer(records, many=True)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def perform_bulk_create(self, items: list) -> list:
        """Validate and create the items in order, in one transaction: the created records, or
        InvalidItems (and nothing created) if any item is invalid.

        Each item is created as soon as it is valid, so that the next ones are validated
        against it (a unique slug taken by an earlier item is refused like one taken in the
        database). After an invalid item the others are still validated and created, so that
        one answer lists every invalid item; the transaction is then rolled back.
        """
        created, errors = [], {}
        with services.audited_write():
            for index, item in enumerate(items):
                serializer = self.get_serializer(data=item)
                if serializer.is_valid():
                    self.perform_create(serializer)
                    created.append(serializer.instance)
                else:
                    errors[str(index)] = serializer.errors
            if errors:
                raise InvalidItems(errors, len(items))
        return created
