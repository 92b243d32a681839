"""A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost,
so that the fake AWS can serve https:// and wss:// with a certificate a client verifies.

`LoopbackCertificates.make(directory)` writes, in `directory`:

- `ca.pem`: the CA's certificate, what a client is told to trust (AWS_CA_BUNDLE, a
  profile's ca_bundle);
- `server.pem` (the server's certificate, then the CA's) and `server-key.pem`.

Every call makes a new CA: a second one stands for "a CA the client does not trust". Keys
are ECDSA P-256 (fast to make) and certificates valid for a day; nothing here is secret.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class LoopbackCertificates:
    """The files of one throwaway CA and the server certificate it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def make(cls, directory: Path, *, ca_name: str = "ssmgui demo CA") -> LoopbackCertificates:
        """A new CA named `ca_name` and a server certificate for 127.0.0.1 and localhost
        that it signed, written into `directory` (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
        ca = (
            _valid_for_a_day(x509.CertificateBuilder(), now)
            .subject_name(ca_subject)
            .issuer_name(ca_subject)
            .public_key(ca_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
            .sign(ca_key, hashes.SHA256())
        )
        server_key = ec.generate_private_key(ec.SECP256R1())
        server = (
            _valid_for_a_day(x509.CertificateBuilder(), now)
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_subject)
            .public_key(server_key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_alternative_names(), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        files = cls(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
        files.ca_file.write_bytes(ca.public_bytes(Encoding.PEM))
        chain = server.public_bytes(Encoding.PEM) + ca.public_bytes(Encoding.PEM)
        files.cert_file.write_bytes(chain)
        files.key_file.write_bytes(
            server_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        )
        return files

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting the server certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _valid_for_a_day(
    builder: x509.CertificateBuilder, now: datetime.datetime
) -> x509.CertificateBuilder:
    return (
        builder.serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _alternative_names() -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName(
        [
            x509.IPAddress(ipaddress.ip_address(LOOPBACK_NAMES[0])),
            x509.DNSName(LOOPBACK_NAMES[1]),
        ]
    )
