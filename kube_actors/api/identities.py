"""Why: every object the apiserver creates gets a uid, every ``generateName`` a random suffix,
and controllers name what they make with hashes written in Kubernetes' "safe" alphabet (no
vowels, no 0, 1 or 3, so a name never spells a word). One place for the three.

Uids are version-4 UUIDs as Kubernetes makes them, drawn from a generator seeded from the
operating system once (and again in a forked child): unique, not secret, so a create costs no
system call; never from the ``random`` module's shared generator, which seeded scenarios use.
"""

from __future__ import annotations

import os
import random

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' rand.SafeEncodeString
SUFFIX_LENGTH = 5  # what Kubernetes appends to a generateName

_random = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))  # a child draws its own
_VERSION_4 = (0x4 << 76) | (0x2 << 62)  # the version nibble and the RFC 4122 variant bits
_RANDOM_BITS = ~((0xF << 76) | (0x3 << 62)) & (2**128 - 1)


def new_uid() -> str:
    """A random (version 4) UUID in its usual text form.

    >>> uid = new_uid()
    >>> len(uid), uid[14], uid[19] in "89ab", uid.count("-")
    (36, '4', True, 4)
    """
    hex_digits = f"{(_random.getrandbits(128) & _RANDOM_BITS) | _VERSION_4:032x}"
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:]}"


def random_suffix() -> str:
    """Five characters of the safe alphabet, as Kubernetes completes a ``generateName``.

    >>> suffix = random_suffix()
    >>> len(suffix), set(suffix) <= set(SAFE_ALPHABET)
    (5, True)
    """
    return "".join(_random.choices(SAFE_ALPHABET, k=SUFFIX_LENGTH))


def safe_encode(text: str) -> str:
    """Each character mapped into the safe alphabet, as Kubernetes writes hashes in names.

    >>> safe_encode("0123456789")
    '456789bcdf'
    """
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)
