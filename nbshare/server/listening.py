"""Where the standalone page's server listens, and the URLs it is reached by.

By default it listens on ``127.0.0.1``: only this machine (and proxies running on it: jupyter-server-proxy, the ngrok
agent) can connect. ``0.0.0.0`` (every IPv4 interface), ``::`` (every IPv6 one: tornado binds it IPv6-only) or one
interface's address let other machines in; then there are two URLs, the one this machine uses and the one others do.
"""

from __future__ import annotations

import ipaddress
from socket import AF_INET, AF_INET6, SOCK_DGRAM, gethostname
from socket import socket as udp_socket

__all__ = ["check_host", "exposed", "local_url", "network_url"]


def check_host(host: str) -> str:
    """``host``, an IP address to listen on, normalised; a name is refused (it could resolve to several addresses,
    or to one the owner did not mean)."""
    try:
        return str(ipaddress.ip_address(str(host).strip("[]")))
    except ValueError:
        raise ValueError(
            f"host must be an IP address: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface), :: (every "
            f"IPv6 one), or one interface's address; got {host!r}"
        ) from None


def exposed(host: str) -> bool:
    """Whether other machines can reach a server listening on ``host``: any address but loopback."""
    return not ipaddress.ip_address(host).is_loopback


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches the server by: loopback when it listens there or everywhere, else ``host``."""
    address = ipaddress.ip_address(host)
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return _url(str(address), port)


def network_url(host: str, port: int) -> str | None:
    """The URL other machines reach the server by, None when it listens on loopback only: ``host`` itself, or for
    ``0.0.0.0`` / ``::`` this machine's address on its default route."""
    if not exposed(host):
        return None
    address = ipaddress.ip_address(host)
    return _url(_default_route_address(address.version) if address.is_unspecified else host, port)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _default_route_address(version: int) -> str:
    """This machine's address on its default route (connecting a UDP socket picks a route and sends nothing), or
    its host name when it has no such route."""
    family, probe = (AF_INET6, "2001:db8::1") if version == 6 else (AF_INET, "192.0.2.1")
    try:
        with udp_socket(family, SOCK_DGRAM) as probe_socket:
            probe_socket.connect((probe, 9))
            return str(probe_socket.getsockname()[0])
    except OSError:
        return gethostname()
