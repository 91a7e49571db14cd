"""TLS certificates: accepted whatever they are by default (Scrapy's default), verified with
DOWNLOAD_VERIFY_CERTIFICATES=True. A loopback HTTPS stand-in of kayhan.ir with a self-signed
certificate, reached through an HTTP CONNECT proxy (Scrapy's ordinary proxy settings)."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from pathlib import Path

import pytest
from conftest import article_fixtures
from crawl_helpers import run_crawl
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "kayhan.ir"


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TLSProxy:
    """Accepts ``CONNECT kayhan.ir:443``, then plays kayhan.ir over TLS itself, answering
    every request with one saved article page."""

    def __init__(self, cert: Path, key: Path, page: bytes) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.page = page
        self.served = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            head = _read_head(conn)
            if not head.startswith(b"CONNECT "):
                return
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            with self.context.wrap_socket(conn, server_side=True) as tls:
                _read_head(tls)
                tls.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(self.page) + self.page
                )
                self.served += 1
        except (OSError, ssl.SSLError):
            pass  # the client refused the certificate
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()


def _read_head(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def site(tmp_path):
    cert, key = self_signed(tmp_path)
    fixture = next(f for f in article_fixtures("kayhan") if f.expected["code"] == "260941")
    proxy = TLSProxy(cert, key, fixture.page.path.read_bytes())
    (tmp_path / "urls.txt").write_text(f"https://{HOST}/fa/news/260941\n")
    yield proxy, cert, tmp_path
    proxy.close()


def crawl(tmp_path: Path, proxy: TLSProxy, run: str, env: dict | None = None, **settings):
    return run_crawl(
        "kayhan",
        tmp_path / run,
        "-a",
        f"urls={tmp_path / 'urls.txt'}",
        env={"https_proxy": proxy.url, **(env or {})},
        settings={
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "RETRY_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 20,
            **settings,
        },
    )


def test_any_certificate_is_accepted_by_default(site):
    proxy, _, tmp_path = site
    result = crawl(tmp_path, proxy, "default")
    assert [i["code"] for i in result.items] == ["260941"], result.log[-3000:]
    assert proxy.served == 1


def test_verification_refuses_an_untrusted_certificate_and_accepts_a_trusted_one(site):
    proxy, cert, tmp_path = site
    refused = crawl(tmp_path, proxy, "verify", DOWNLOAD_VERIFY_CERTIFICATES=True)
    assert refused.items == [] and proxy.served == 0, refused.log[-3000:]
    failures = {k: v for k, v in refused.stats.items() if "exception_type_count" in k}
    assert failures == {"downloader/exception_type_count/scrapy.exceptions.DownloadFailedError": 1}
    assert "certificate verify failed" in refused.log, refused.log[-3000:]
    trusted = crawl(
        tmp_path,
        proxy,
        "trusted",
        env={"SSL_CERT_FILE": str(cert)},
        DOWNLOAD_VERIFY_CERTIFICATES=True,
    )
    assert [i["code"] for i in trusted.items] == ["260941"], trusted.log[-3000:]
    assert proxy.served == 1
