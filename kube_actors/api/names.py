"""Why: the syntax rules Kubernetes applies to object names, label keys and values, config keys
and port names, each returning the sentences Kubernetes prints when a value breaks them (its
``IsDNS1123Label`` family), so validation and the object store's name check share one copy.

Each ``is_*`` function returns a list of problems; an empty list means the value is valid.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
_QUALIFIED_NAME_MAX = 63
_PORT_NAME_MAX = 15

_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + ")*"
_DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = "(" + _QUALIFIED_NAME + ")?"
_CONFIG_KEY = "[-._a-zA-Z0-9]+"


def _remembered(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """``check``, remembering its verdicts: every write checks the same few names, label keys
    and values again. Callers get a list of their own."""
    remembered = functools.lru_cache(maxsize=8192)(lambda value: tuple(check(value)))

    @functools.wraps(check)
    def checked(value: str) -> list[str]:
        return list(remembered(value)) if isinstance(value, str) else check(value)

    return checked


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^(?:{pattern})$")


_DNS1123_LABEL_RE = _full(_DNS1123_LABEL)
_DNS1123_SUBDOMAIN_RE = _full(_DNS1123_SUBDOMAIN)
_DNS1035_LABEL_RE = _full(_DNS1035_LABEL)
_QUALIFIED_NAME_RE = _full(_QUALIFIED_NAME)
_LABEL_VALUE_RE = _full(_LABEL_VALUE)
_CONFIG_KEY_RE = _full(_CONFIG_KEY)
_PORT_NAME_CHARS_RE = re.compile("^[-a-z0-9]+$")


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """A rule's sentence, its examples and its regular expression, worded as Kubernetes does.

    >>> regex_error("must be short", "[a-z]+", "ab", "cd")
    "must be short (e.g. 'ab',  or 'cd', regex used for validation is '[a-z]+')"
    """
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


@_remembered
def is_dns1123_label(value: str) -> list[str]:
    """RFC 1123 label: namespace, container and port names.

    >>> is_dns1123_label("web-1")
    []
    >>> is_dns1123_label("a.b")
    ['must not contain dots']
    """
    problems = []
    if len(value) > DNS1123_LABEL_MAX:
        problems.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL_RE.match(value):
        if _DNS1123_SUBDOMAIN_RE.match(value):
            problems.append("must not contain dots")
        else:
            problems.append(
                regex_error(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                    "and must start and end with an alphanumeric character",
                    _DNS1123_LABEL,
                    "my-name",
                    "123-abc",
                )
            )
    return problems


@_remembered
def is_dns1123_subdomain(value: str) -> list[str]:
    """RFC 1123 subdomain: the name of most objects.

    >>> is_dns1123_subdomain("web.example")
    []
    """
    problems = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        problems.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        problems.append(
            regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character",
                _DNS1123_SUBDOMAIN,
                "example.com",
            )
        )
    return problems


@_remembered
def is_dns1035_label(value: str) -> list[str]:
    """RFC 1035 label: service names, which become DNS names and environment variables.

    >>> is_dns1035_label("1web")[0][:40]
    'a DNS-1035 label must consist of lower c'
    """
    problems = []
    if len(value) > DNS1123_LABEL_MAX:
        problems.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1035_LABEL_RE.match(value):
        problems.append(
            regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                _DNS1035_LABEL,
                "my-name",
                "abc-123",
            )
        )
    return problems


@_remembered
def is_qualified_name(value: str) -> list[str]:
    """A label or annotation key: an optional DNS subdomain prefix, a slash, and a name.

    >>> is_qualified_name("app.kubernetes.io/name")
    []
    >>> is_qualified_name("-bad")[0][:48]
    'name part must consist of alphanumeric character'
    """
    rule = (
        "must consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character"
    )
    examples = ("MyName", "my.name", "123-abc")
    parts = value.split("/")
    problems = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            problems.extend(f"prefix part {problem}" for problem in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(rule, _QUALIFIED_NAME, *examples)
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > _QUALIFIED_NAME_MAX:
        problems.append("name part " + max_len_error(_QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.match(name):
        problems.append("name part " + regex_error(rule, _QUALIFIED_NAME, *examples))
    return problems


@_remembered
def is_label_value(value: str) -> list[str]:
    """A label value: empty, or a name of up to 63 characters.

    >>> is_label_value(""), is_label_value("v1.2_beta")
    ([], [])
    """
    problems = []
    if len(value) > LABEL_VALUE_MAX:
        problems.append(max_len_error(LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.match(value):
        problems.append(
            regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                "or '.', and must start and end with an alphanumeric character",
                _LABEL_VALUE,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return problems


def is_config_map_key(value: str) -> list[str]:
    """A key of a ConfigMap's or Secret's data, which becomes a file name in a volume.

    >>> is_config_map_key("app.properties"), is_config_map_key("..data")
    ([], ["must not start with '..'"])
    """
    problems = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        problems.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_KEY_RE.match(value):
        problems.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_KEY,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if value == ".":
        problems.append("must not be '.'")
    elif value == "..":
        problems.append("must not be '..'")
    elif value.startswith(".."):
        problems.append("must not start with '..'")
    return problems


def is_valid_port_name(value: str) -> list[str]:
    """An IANA service name, as container and service ports are named.

    >>> is_valid_port_name("http"), is_valid_port_name("80")
    ([], ['must contain at least one letter (a-z)'])
    """
    problems = []
    if len(value) > _PORT_NAME_MAX:
        problems.append(max_len_error(_PORT_NAME_MAX))
    if not _PORT_NAME_CHARS_RE.match(value):
        problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        problems.append("must contain at least one letter (a-z)")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        problems.append("must not begin or end with a hyphen")
    return problems


def is_valid_port_num(port: int) -> list[str]:
    """A port number a container or service may use.

    >>> is_valid_port_num(0)
    ['must be between 1 and 65535, inclusive']
    """
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


NameRule = Callable[[str], list[str]]


def name_rule(check: NameRule) -> Callable[[str, bool], list[str]]:
    """A name check that also accepts a ``generateName`` prefix, whose trailing dash is fine
    because a random suffix follows it.

    >>> name_rule(is_dns1123_label)("web-", True), len(name_rule(is_dns1123_label)("web-", False))
    ([], 1)
    """

    def check_name(name: str, prefix: bool) -> list[str]:
        if prefix and name.endswith("-"):
            name = name[:-1] + "a"
        return check(name)

    return check_name
