import re

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` pages of 50 by default, 500 at the most (a larger limit is cut down).

    A limit that is not a whole number from 1, or an offset that is not one from 0, is a 400: DRF
    would ignore it and answer some other page."""

    default_limit = 50
    max_limit = 500

    def _read(self, request, name: str, minimum: int) -> int | None:
        value = request.query_params.get(name)
        if value in (None, ""):
            return None
        if re.fullmatch(r"[0-9]+", value):
            # Past 18 digits, as good as infinite (and Python refuses to convert thousands).
            number = int(value) if len(value.lstrip("0")) <= 18 else 10**18
            if number >= minimum:
                return number
        raise ValidationError({name: [f"Enter a whole number, {minimum} or more."]})

    def get_limit(self, request):
        limit = self._read(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, minimum=0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        minimums = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            if parameter["name"] in minimums:
                parameter["schema"] = {
                    **parameter["schema"],
                    "minimum": minimums[parameter["name"]],
                }
        return parameters
