"""Receive connector settings Exchange takes without a word but that probably do not mean what was meant.

Warnings, not errors (`exsim validate` and `exsim audit` print them; the scenario still runs):
- a CIDR remote range with host bits set ('10.0.5.1/24'): Exchange takes the whole network;
- an extended right granted to a principal no session can hold ('ANONYMOUS' for 'NT AUTHORITY\\ANONYMOUS
  LOGON'): the grant gives nothing, so the relay it was meant to open is quietly refused;
- Domain Security half set up: partner domains listed but no connector DomainSecureEnabled (their mail
  is refused with 451 4.7.3), or a DomainSecureEnabled connector with no domain listed (it does nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...scenario.errors import nearest
from ...scenario.receive import host_bits_fix
from .rules import principal_matches, well_known_principals
from .servers import receiving_servers

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario


@dataclass(frozen=True)
class ReceiveWarning:
    """One warning: its key path, the server and connector it is about (empty when organisation-wide), and the text."""

    path: str
    server: str
    connector: str
    message: str


def receive_warnings(scenario: Scenario) -> list[ReceiveWarning]:
    """Every warning about the scenario's Receive connectors and Domain Security, in file order."""
    servers = receiving_servers(scenario)
    users = [user.name for user in scenario.smtp_users]
    found: list[ReceiveWarning] = []
    any_domain_secure = False
    receive_list = scenario.domain_security.tls_receive_domain_secure_list
    for info in servers.values():
        for k, connector in enumerate(info.connectors):
            any_domain_secure |= connector.domain_secure_enabled
            if info.defaults:
                continue
            where = f"{info.path}.receive_connectors[{k}]"

            def warn(path: str, message: str, name: str = connector.name, server: str = info.name) -> None:
                found.append(ReceiveWarning(path, server, name, message))

            for j, text in enumerate(connector.remote_ip_ranges):
                network = host_bits_fix(text)
                if network is not None:
                    count = 2 ** (32 - int(network.split("/")[1]))
                    warn(
                        f"{where}.remote_ip_ranges[{j}]",
                        f"remote range {text!r} has host bits set: Exchange takes the whole network {network} "
                        f"({count:,} addresses); write {text.split('/')[0]} for one host or {network} for the network",
                    )
            for j, grant in enumerate(connector.extended_rights):
                if not principal_matches(grant.principal, users, servers):
                    wanted = grant.principal.strip().lower()
                    inside = [known for known in well_known_principals() if wanted and wanted in known.lower()]
                    hint = (
                        f" (did you mean '{inside[0]}'?)"
                        if inside
                        else nearest(grant.principal, well_known_principals() + users)
                    )
                    warn(
                        f"{where}.extended_rights[{j}].principal",
                        f"principal {grant.principal!r} is no permission group's principal, smtp_users account or "
                        f"Exchange server, so {'denying' if grant.deny else 'granting'} {grant.right} to it "
                        f"changes nothing for any session{hint}",
                    )
            if connector.domain_secure_enabled and not receive_list:
                warn(
                    f"{where}.domain_secure_enabled",
                    "domain_secure_enabled does nothing while domain_security.tls_receive_domain_secure_list is "
                    "empty: no client certificate is asked for and no domain is checked",
                )
    if receive_list and not any_domain_secure:
        found.append(
            ReceiveWarning(
                "domain_security.tls_receive_domain_secure_list",
                "",
                "",
                f"{', '.join(receive_list)} must arrive over mutual TLS, but no Receive connector has "
                "domain_secure_enabled: their mail is refused with 451 4.7.3 on every server",
            )
        )
    return found
