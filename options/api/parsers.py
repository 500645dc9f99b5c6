"""
The API's JSON parser: DRF's, with a bound on how deeply a body may nest arrays and objects.

DRF's parser reads JSON with Python's `json` module, which recurses once per level and stops
with a RecursionError (not the ValueError DRF turns into a 400) past about 900 levels: a body of
2,000 `[` was a 500. Here a body nested deeper than `MAX_DEPTH` levels is a 400 (`parse_error`)
like any other malformed JSON, whether the parser ran out of stack or read it whole and it was
found too deep: the bound is the same on every endpoint and in every server, whatever the stack
the request arrived with. It is the API's parser (settings' DEFAULT_PARSER_CLASSES);
tests/test_hardening.py checks that every view which takes a body uses it.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: How deeply arrays and objects may nest in a request body. The deepest body the API takes is
#: 4 levels (a bulk create of events: an array of event objects, each with an array of
#: participant objects), so 256 leaves room for any client while staying well inside Python's
#: recursion limit (1,000 frames, of which ~80 are spent before the body is parsed): whatever
#: walks the data recursively after the parser (copy.deepcopy takes two frames a level, `json`
#: writing it back one) cannot run out of stack either. (orjson, whose reading stops at 1,024
#: levels, writes at most 254.)
MAX_DEPTH = 256

TOO_DEEP = f"JSON nested too deeply: at most {MAX_DEPTH} levels of arrays and objects."


def json_depth_exceeds(data, limit: int) -> bool:
    """Whether arrays and objects nest in `data` (parsed JSON) more than `limit` levels deep. A
    walk with a stack of its own: it does not recurse, however deep the data."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than `MAX_DEPTH` levels is a 400 (`TOO_DEEP`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if isinstance(data, dict | list) and json_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
