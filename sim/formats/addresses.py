"""Recipient and sender addresses as integers, so messages carry plain ints, never strings.

0 <= r < N are the organisation's mailboxes, user{r}@<primary domain>. Every other address packs a
domain index and a user number above N: domain 0 is the primary domain itself (addresses no mailbox
holds: "unknown recipients"), then the workload's other recipient domains, then the Internet senders'
domain. Text is made only when results are built.

A format rather than an Exchange rule: the model writes addresses as these integers, the record keeps the
`AddressBook` that decodes them (`RunRecord.addresses`) and the results read them back, so it lives in sim.formats.
"""

from __future__ import annotations

SHIFT = 32
INTERNET_SENDER_DOMAIN = "internet.example"  # RFC 2606 name for mail arriving from the Internet


class AddressBook:
    """Encodes and decodes addresses for one organisation."""

    def __init__(self, mailboxes: int, primary_domain: str, other_domains: list[str]) -> None:
        self.mailboxes = mailboxes
        self.primary = primary_domain
        self.domains = [primary_domain, *other_domains, INTERNET_SENDER_DOMAIN]
        self.unknown_domain = 0
        self.internet_domain = len(self.domains) - 1

    def other(self, domain_index: int, user: int) -> int:
        """The address of user number `user` in domain `domain_index` (not one of our mailboxes)."""
        return self.mailboxes + (domain_index << SHIFT) + user

    def domain_index(self, address: int) -> int:
        """Index into `domains` of an address that is not a mailbox."""
        return (address - self.mailboxes) >> SHIFT

    def domain(self, address: int) -> str:
        """The SMTP domain of an address."""
        return self.primary if address < self.mailboxes else self.domains[self.domain_index(address)]

    def text(self, address: int) -> str:
        """user123@contoso.com; unknown recipients of our own domain read nouser123@contoso.com."""
        if address < self.mailboxes:
            return f"user{address}@{self.primary}"
        index = self.domain_index(address)
        user = (address - self.mailboxes) & ((1 << SHIFT) - 1)
        prefix = "nouser" if index == self.unknown_domain else "user"
        return f"{prefix}{user}@{self.domains[index]}"
