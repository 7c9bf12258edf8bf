"""RSA key pairs from the standard library alone (the simulator depends on nothing else), for
Barbican's asymmetric orders: real keys (Miller-Rabin primes, e = 65537) written as PEM,
PKCS#8 for the private key and SubjectPublicKeyInfo for the public one. The private key is
never encrypted: encrypting PKCS#8 needs AES, which the standard library lacks; an order's
pass phrase is kept as its own secret, as Barbican also stores it.
"""

from __future__ import annotations

import base64
import math
import secrets

PUBLIC_EXPONENT = 65537
_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, math.isqrt(p) + 1))]


def _probably_prime(n: int, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if math.gcd(candidate - 1, PUBLIC_EXPONENT) == 1 and _probably_prime(candidate):
            return candidate


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _sequence(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _pem(label: str, der: bytes) -> bytes:
    text = base64.encodebytes(der).decode().replace("\n", "")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


def generate(bits: int) -> tuple[bytes, bytes]:
    """(private key PEM, public key PEM) of a fresh ``bits``-bit RSA key."""
    while True:
        p, q = _prime(bits // 2), _prime(bits - bits // 2)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    d = pow(PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    private = _sequence(
        *(_integer(v) for v in (0, n, PUBLIC_EXPONENT, d, p, q, d % (p - 1), d % (q - 1))),
        _integer(pow(q, -1, p)),
    )
    pkcs8 = _sequence(_integer(0), _RSA_ALGORITHM, _tlv(0x04, private))
    public = _sequence(_integer(n), _integer(PUBLIC_EXPONENT))
    spki = _sequence(_RSA_ALGORITHM, _tlv(0x03, b"\x00" + public))
    return _pem("PRIVATE KEY", pkcs8), _pem("PUBLIC KEY", spki)
