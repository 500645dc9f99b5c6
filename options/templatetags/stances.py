"""How the pages write stances, bases, shares and weights."""

from django import template

from options.models import Position

register = template.Library()

MINUS = "\u2212"
BASIS_LETTERS = {"stated": "S", "reported": "R", "expected": "E", "revealed": "V"}


def signed_text(value, digits: int = 0) -> str:
    """+1, −2, 0; with `digits`, +0.61 or −0.50 (a typographic minus, zero unsigned)."""
    if value is None or value == "":
        return "–"
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return text.lstrip("+-")
    return text.replace("-", MINUS)


def stance_words(stance: int) -> str:
    """The stance in words, e.g. "Strongly oppose"."""
    try:
        return Position.Stance(stance).label
    except ValueError:
        return str(stance)


@register.filter
def signed(value, digits=0) -> str:
    """`{{ stance|signed }}` → +1, −2, 0; `{{ mean|signed:2 }}` → +0.61."""
    return signed_text(value, int(digits))


@register.filter
def stance_label(stance) -> str:
    return stance_words(stance)


@register.filter
def basis_letter(basis: str) -> str:
    """S stated, R reported, E expected, V revealed."""
    return BASIS_LETTERS.get(basis, "?")


@register.filter
def percent(share) -> str:
    """0.42 → "42 %"; None → "–"."""
    if share is None or share == "":
        return "–"
    return f"{share * 100:.0f}\u00a0%"


@register.filter
def median(value) -> str:
    """A weighted median: a stance (+1) or the midpoint of two (+0.5)."""
    if value is None or value == "":
        return "–"
    if float(value).is_integer():
        return signed_text(int(value))
    return signed_text(value, 1)
