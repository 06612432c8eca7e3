"""https: the certificate is checked against the name typed, while the connection goes to the
checked address; a certificate that is not trusted is one clear error."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest

from tests.net.servers import raw_server
from tracker.net import FetchError, fetch

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nsecret"


def _certificate(subject: str, key, issuer_key, issuer_name, *, ca: bool):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A throwaway CA and a certificate for localhost signed by it."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = _certificate("Test CA", ca_key, ca_key, ca_name, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("localhost", leaf_key, ca_key, ca_name, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.pem").write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


@pytest.fixture
def tls_server(pki):
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "leaf.pem")
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with raw_server(OK, tls=context) as server:
        server.server_names = names
        yield server


def trusting(pki) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    return context


def test_https_keeps_the_name_for_the_certificate_and_the_host_header(pki, tls_server):
    url = f"https://localhost:{tls_server.port}/page"
    response = fetch(url, timeout=3, max_bytes=1000, tls_context=trusting(pki))
    assert response.body == b"secret"
    assert tls_server.server_names == ["localhost"]
    assert f"Host: localhost:{tls_server.port}\r\n".encode() in tls_server.requests[0]


def test_https_to_an_address_checks_the_address(pki, tls_server):
    url = f"https://127.0.0.1:{tls_server.port}/page"
    assert fetch(url, timeout=3, max_bytes=1000, tls_context=trusting(pki)).body == b"secret"


def test_an_untrusted_certificate_is_one_clear_error(tls_server):
    with pytest.raises(FetchError, match="TLS certificate is not valid") as caught:
        fetch(f"https://localhost:{tls_server.port}/page", timeout=3, max_bytes=1000)
    assert caught.value.kind == "tls"
    assert tls_server.requests in ([], [b""]) or b"GET" not in b"".join(tls_server.requests)


def test_https_to_a_plain_http_server():
    with (
        raw_server(OK, wait_for_request=False) as server,
        pytest.raises(FetchError, match="TLS connection failed") as caught,
    ):
        fetch(f"https://127.0.0.1:{server.port}/page", timeout=3, max_bytes=1000)
    assert caught.value.kind == "tls"


def test_a_tls_handshake_that_never_ends_meets_the_deadline(pki):
    import time

    from tests.net.servers import hold_open

    with raw_server(hold_open(b"")) as server:  # accepts, then never answers the hello
        started = time.monotonic()
        with pytest.raises(FetchError, match="timeout"):
            fetch(f"https://127.0.0.1:{server.port}/", timeout=0.5, max_bytes=10)
        assert time.monotonic() - started < 1.0
