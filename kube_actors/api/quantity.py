"""Why: resource amounts (``cpu: 100m``, ``memory: 1Gi``) are Kubernetes quantities, and the
validation of requests and limits, the defaults that store them in canonical form, and the
scheduler that adds them up must all read them the same way.

The grammar is Kubernetes' ``resource.Quantity``: a signed decimal number and a suffix, binary
(``Ki`` .. ``Ei``), decimal SI (``n u m "" k M G T P E``) or an exponent (``e3``, ``E-2``).
Amounts are exact fractions rounded up to the nano unit, as Kubernetes rounds them; the
suffix family is kept, because it decides how the amount is written back (``1.5Gi`` is stored
as ``1536Mi``, ``0.5`` as ``500m``, ``1e3`` as ``1e3``).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Format = Literal["BinarySI", "DecimalSI", "DecimalExponent"]

# What Kubernetes' decoder quotes when a quantity does not parse.
SYNTAX_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

_NUMBER = re.compile(r"^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)$")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]+)$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_SUFFIX = {power: suffix for suffix, power in _BINARY.items()}
_NANO = 10**9


class QuantityError(ValueError):
    """Text that is not a Kubernetes quantity; the message is the one Kubernetes gives."""


@dataclass(frozen=True, slots=True, order=True)
class Quantity:
    """An exact amount and the suffix family it was written in.

    Quantities compare and sort by amount alone: ``1Gi == 1024Mi``.

    >>> parse_quantity("1.5Gi") == parse_quantity("1536Mi")
    True
    """

    amount: Fraction
    format: Format = field(default="DecimalSI", compare=False)

    def milli_value(self) -> int:
        """The amount in thousandths, rounded up (what the scheduler counts CPU in).

        >>> parse_quantity("100m").milli_value(), parse_quantity("0.0001").milli_value()
        (100, 1)
        """
        return math.ceil(self.amount * 1000)

    def value(self) -> int:
        """The amount in units, rounded up (what the scheduler counts bytes in).

        >>> parse_quantity("1Ki").value(), parse_quantity("1500m").value()
        (1024, 2)
        """
        return math.ceil(self.amount)

    def rounded_up_to_milli(self) -> Quantity:
        """As Kubernetes stores container resources: nothing finer than ``1m``.

        >>> str(parse_quantity("0.1m").rounded_up_to_milli())
        '1m'
        """
        return Quantity(Fraction(self.milli_value(), 1000), self.format)

    def __str__(self) -> str:
        """The canonical form Kubernetes writes back: no fractional digits, the largest suffix
        that loses nothing, binary suffixes only for whole amounts of at least 1Ki.

        >>> [str(parse_quantity(t)) for t in ("0.5", "1000m", "2000", "1.5Gi", "1024Mi", "1e3", "512")]
        ['500m', '1', '2k', '1536Mi', '1Gi', '1e3', '512']
        """
        if self.amount == 0:
            return "0"
        style = self.format
        if style == "BinarySI" and (abs(self.amount) < 1024 or self.amount.denominator != 1):
            style = "DecimalSI"
        if style == "BinarySI":
            return _base1024(int(self.amount))
        return _base10(self.amount, exponent_style=style == "DecimalExponent")


def parse_quantity(text: str | int | float) -> Quantity:
    """A quantity from its text, or from the JSON number a manifest may hold (see ``_parse``)."""
    if isinstance(text, str):
        return _parse_text(text)
    return _parse(text)


@functools.lru_cache(maxsize=4096)  # manifests repeat the same few quantities ("100m", "64Mi")
def _parse_text(text: str) -> Quantity:
    return _parse(text)


def _parse(text: str | int | float) -> Quantity:
    """A quantity from its text, or from the JSON number a manifest may hold.

    >>> parse_quantity("250m").amount, parse_quantity("1Mi").amount, parse_quantity(2).amount
    (Fraction(1, 4), Fraction(1048576, 1), Fraction(2, 1))
    >>> parse_quantity("1.5.3")
    Traceback (most recent call last):
    ...
    kube_actors.api.quantity.QuantityError: quantities must match the regular expression ...
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise QuantityError(SYNTAX_ERROR)
    if not isinstance(text, str):
        text = repr(text)  # a JSON number reads as its decimal text, as Kubernetes reads it
    found = _NUMBER.match(text)
    if found is None:
        raise QuantityError(SYNTAX_ERROR)
    sign, number, suffix = found.groups()
    amount = Fraction(number)
    style: Format
    if suffix in _BINARY:
        amount *= 1024 ** _BINARY[suffix]
        style = "BinarySI"
    elif suffix in _DECIMAL:
        amount *= Fraction(10) ** _DECIMAL[suffix]
        style = "DecimalSI"
    elif exponent := _EXPONENT.match(suffix):
        amount *= Fraction(10) ** int(exponent.group(1))
        style = "DecimalExponent"
    else:
        raise QuantityError(SYNTAX_ERROR)
    # Kubernetes rounds anything finer than a nano-unit up to one, so asking for a sliver of a
    # resource still gets some.
    amount = Fraction(math.ceil(amount * _NANO), _NANO)
    return Quantity(-amount if sign == "-" else amount, style)


def is_quantity(text: object) -> bool:
    """Whether ``text`` parses as a quantity.

    >>> is_quantity("1Gi"), is_quantity("1GB")
    (True, False)
    """
    try:
        parse_quantity(text)  # type: ignore[arg-type]  # anything may be asked about
    except QuantityError:
        return False
    return True


def canonical(text: str | int | float) -> str:
    """The form Kubernetes stores ``text`` in.

    >>> canonical("0.25"), canonical(1), canonical("1536Ki")
    ('250m', '1', '1536Ki')
    """
    return str(parse_quantity(text))


def _base10(amount: Fraction, *, exponent_style: bool) -> str:
    # After nano rounding the amount is an integer number of nano-units: write it as
    # mantissa x 10^exponent with no trailing zeros, then lower the exponent to a multiple of 3.
    mantissa, exponent = int(amount * _NANO), -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if exponent_style:
        suffix = f"e{exponent}" if exponent else ""
    else:
        suffix = _DECIMAL_SUFFIX.get(exponent, f"e{exponent}")
    return f"{mantissa}{suffix}"


def _base1024(value: int) -> str:
    power = 0
    while value % 1024 == 0 and power < max(_BINARY_SUFFIX):
        value //= 1024
        power += 1
    return f"{value}{_BINARY_SUFFIX.get(power, '')}"
