"""Resource quantities as manifests write them (``cpu: 100m``, ``memory: 1Gi``), checked against
Kubernetes' ``resource.Quantity`` documentation (api reference, "Quantity"): the suffixes, the
rounding up to nano units, and the canonical form the apiserver stores."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kube_actors.api.quantity import SYNTAX_ERROR, QuantityError, canonical, is_quantity, parse_quantity

# (text, exact amount, canonical form as `kubectl get -o yaml` shows it back)
QUANTITIES = [
    ("100m", Fraction(1, 10), "100m"),
    ("1", Fraction(1), "1"),
    ("2", Fraction(2), "2"),
    ("0.5", Fraction(1, 2), "500m"),
    ("1.5", Fraction(3, 2), "1500m"),
    ("1000m", Fraction(1), "1"),
    ("2000", Fraction(2000), "2k"),
    ("1500", Fraction(1500), "1500"),
    ("1k", Fraction(1000), "1k"),
    ("1M", Fraction(10**6), "1M"),
    ("1G", Fraction(10**9), "1G"),
    ("1E", Fraction(10**18), "1E"),
    ("100n", Fraction(1, 10**7), "100n"),
    ("5u", Fraction(5, 10**6), "5u"),
    ("1Ki", Fraction(1024), "1Ki"),
    ("1Mi", Fraction(2**20), "1Mi"),
    ("500Mi", Fraction(500 * 2**20), "500Mi"),
    ("1024Mi", Fraction(2**30), "1Gi"),
    ("1.5Gi", Fraction(3 * 2**29), "1536Mi"),
    ("0.5Ki", Fraction(512), "512"),
    ("1Ti", Fraction(2**40), "1Ti"),
    ("1e3", Fraction(1000), "1e3"),
    ("1E3", Fraction(1000), "1e3"),
    ("12e2", Fraction(1200), "1200"),
    ("1e-3", Fraction(1, 1000), "1e-3"),
    ("+5", Fraction(5), "5"),
    ("-1", Fraction(-1), "-1"),
    ("-0.5", Fraction(-1, 2), "-500m"),
    (".5", Fraction(1, 2), "500m"),
    ("5.", Fraction(5), "5"),
    ("0", Fraction(0), "0"),
    ("0Mi", Fraction(0), "0"),
    # Finer than a nano-unit rounds up, so a request for a sliver still gets something.
    ("0.0000000001", Fraction(1, 10**9), "1n"),
]


@pytest.mark.parametrize(("text", "amount", "stored"), QUANTITIES)
def test_quantities_parse_to_exact_amounts_and_canonical_text(
    text: str, amount: Fraction, stored: str
) -> None:
    quantity = parse_quantity(text)
    assert quantity.amount == amount
    assert str(quantity) == stored == canonical(text)


@pytest.mark.parametrize(
    ("value", "stored"),
    [(2, "2"), (0.5, "500m"), (0.25, "250m"), (1e-05, "10e-6"), (1024, "1024")],
)
def test_json_numbers_read_as_their_decimal_text(value: float, stored: str) -> None:
    assert canonical(value) == stored


@pytest.mark.parametrize(
    ("text", "milli", "units"),
    [
        ("100m", 100, 1),
        ("1", 1000, 1),
        ("2.5", 2500, 3),
        ("0.0001", 1, 1),
        ("1Gi", 1024**3 * 1000, 1024**3),
        ("-100m", -100, 0),
    ],
)
def test_milli_and_unit_values_round_up_for_the_scheduler(text: str, milli: int, units: int) -> None:
    quantity = parse_quantity(text)
    assert quantity.milli_value() == milli
    assert quantity.value() == units


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1GB", "1.5.3", "1 Gi", "Gi", "1e", "1ki", "--1", "1e1.5", "0x10", "1mm", "١٢"],
)
def test_malformed_quantities_are_refused_with_kubernetes_message(text: str) -> None:
    with pytest.raises(QuantityError, match="quantities must match the regular expression") as refused:
        parse_quantity(text)
    assert str(refused.value) == SYNTAX_ERROR
    assert not is_quantity(text)


@pytest.mark.parametrize("value", [True, None, [1], {"cpu": 1}, float("inf")])
def test_values_that_are_not_text_or_numbers_are_not_quantities(value: object) -> None:
    assert not is_quantity(value)


def test_quantities_compare_by_amount_whatever_their_suffix() -> None:
    assert parse_quantity("1Gi") == parse_quantity("1024Mi") == parse_quantity("1073741824")
    assert parse_quantity("999m") < parse_quantity("1") < parse_quantity("1001m")
    texts = ["1Gi", "100Mi", "1e9", "2G", "512Ki"]
    assert [str(q) for q in sorted(parse_quantity(t) for t in texts)] == [
        "512Ki",
        "100Mi",
        "1e9",
        "1Gi",
        "2G",
    ]


def test_rounding_up_to_milli_is_what_container_resources_store() -> None:
    assert str(parse_quantity("0.1m").rounded_up_to_milli()) == "1m"
    assert str(parse_quantity("1.0001").rounded_up_to_milli()) == "1001m"
    assert str(parse_quantity("1Gi").rounded_up_to_milli()) == "1Gi"
