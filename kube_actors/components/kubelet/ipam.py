"""Why: every pod on a node gets its own IP from the node's podCIDR, as the CNI ``host-local``
IPAM plugin hands them out; the simulated runtime calls it when it makes a pod's sandbox and
when it tears one down. Pure bookkeeping, no I/O.

Like host-local, allocation goes round-robin from the last address handed out, so an address
just released is not given to the next pod at once (a client still talking to the old pod
would reach the new one). The network address, the gateway (the first host, which the node's
bridge holds) and the broadcast address are never handed out.
"""

from __future__ import annotations

import ipaddress


class PodAddresses:
    """The pod IPs of one node."""

    def __init__(self, pod_cidr: str) -> None:
        network = ipaddress.ip_network(pod_cidr)
        first, last = int(network.network_address), int(network.broadcast_address)
        if network.num_addresses > 2:
            first, last = first + 2, last - 1  # skip the network address and the gateway; no broadcast
        self._version = network.version
        self._first, self._last = first, last
        self._next = first
        self._owners: dict[int, str] = {}

    @property
    def capacity(self) -> int:
        return self._last - self._first + 1

    def __len__(self) -> int:
        return len(self._owners)

    def allocate(self, owner: str) -> str | None:
        """A free address for ``owner`` (a sandbox id), or None when the range is exhausted.

        >>> addresses = PodAddresses("10.244.1.0/30")
        >>> addresses.allocate("a"), addresses.allocate("b")
        ('10.244.1.2', None)
        """
        if len(self._owners) >= self.capacity:
            return None
        candidate = self._next
        while candidate in self._owners:
            candidate = candidate + 1 if candidate < self._last else self._first
        self._owners[candidate] = owner
        self._next = candidate + 1 if candidate < self._last else self._first
        return str(
            ipaddress.ip_address(candidate) if self._version == 4 else ipaddress.IPv6Address(candidate)
        )

    def release(self, address: str) -> None:
        """Give ``address`` back; releasing a free or foreign address does nothing."""
        self._owners.pop(int(ipaddress.ip_address(address)), None)

    def owner(self, address: str) -> str | None:
        return self._owners.get(int(ipaddress.ip_address(address)))
