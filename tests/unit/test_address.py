import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube_actors.runtime.address import Address, format_address, parse_address
from kube_actors.runtime.errors import AddressError

hosts = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True)
segments = st.from_regex(r"[A-Za-z0-9_.:@-]{1,12}", fullmatch=True)
paths = st.lists(segments, min_size=1, max_size=4).map("/".join)


@given(hosts, paths)
def test_format_then_parse_gives_back_host_and_path(host: str, path: str) -> None:
    assert parse_address(format_address(host, path)) == Address(host, path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "expected ka://"),
        ("ka://", "no actor path"),
        ("ka:///apiserver", "invalid host name"),
        ("ka://cp 1/apiserver", "invalid host name"),
        ("ka://cp-1/", "no actor path"),
        ("ka://cp-1/a//b", "empty segment"),
        ("ka://cp-1/a/b c", "segment 'b c'"),
    ],
)
def test_bad_addresses_are_rejected_with_the_problem_named(text: str, problem: str) -> None:
    with pytest.raises(AddressError, match=problem):
        parse_address(text)
