"""Opaque S/MIME (``application/pkcs7-mime; smime-type=signed-data``): the mail inside is read.

The fixture ``mime/pkcs7_signed_opaque_ru.eml`` was signed with ``cryptography`` (DER, a
throw-away self-signed certificate); here the same content travels in the BER form Outlook
writes (indefinite lengths, the content in chunks), and broken or detached structures keep the
part as a file.
"""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from otklik.channels.email.parse import parse_mail
from otklik.channels.email.smime import signed_content

SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
DATA = bytes.fromhex("2a864886f70d010701")
INNER = (
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Please confirm the refund for order 88.\r\n"
)


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def indefinite(tag: int, *children: bytes) -> bytes:
    return bytes([tag, 0x80]) + b"".join(children) + b"\x00\x00"


def ber_signed(content: bytes | None, chunk: int = 16) -> bytes:
    """A SignedData in BER: indefinite lengths, the content as a constructed OCTET STRING."""
    encapsulated: list[bytes] = [tlv(0x06, DATA)]
    if content is not None:
        pieces = [tlv(0x04, content[i : i + chunk]) for i in range(0, len(content), chunk)]
        encapsulated.append(indefinite(0xA0, indefinite(0x24, *pieces)))
    signed = indefinite(
        0x30,
        tlv(0x02, b"\x01"),
        tlv(0x31, b""),
        indefinite(0x30, *encapsulated),
        tlv(0x31, b""),  # signerInfos (not read)
    )
    return indefinite(0x30, tlv(0x06, SIGNED_DATA), indefinite(0xA0, signed))


def mail_with(payload: bytes, smime_type: str = "signed-data") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Tom Baker <tom@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Refund"
    mail["Message-ID"] = "<ber@customer.example>"
    mail.set_content(
        payload,
        maintype="application",
        subtype="pkcs7-mime",
        params={"smime-type": smime_type},
        filename="smime.p7m",
    )
    return mail.as_bytes()


def test_outlooks_ber_form_is_read() -> None:
    assert signed_content(ber_signed(INNER)) == INNER
    parsed = parse_mail(mail_with(ber_signed(INNER)))
    assert parsed.text == "Please confirm the refund for order 88."
    assert parsed.notes == ["signed"]
    assert parsed.files == ()


@pytest.mark.parametrize(
    "payload",
    [
        ber_signed(None),  # detached: nothing inside
        ber_signed(INNER)[:-7],  # truncated
        b"\x30\x80" * 40,  # nested without end
        base64.b64decode("MIAGCSqGSIb3DQEHA6CAMIACAQAxggE="),  # enveloped-data
        b"",
    ],
    ids=["detached", "truncated", "unterminated", "enveloped", "empty"],
)
def test_no_content_keeps_the_part_as_a_file(payload: bytes) -> None:
    assert signed_content(payload) is None
    parsed = parse_mail(mail_with(payload))
    if payload:
        assert [f.filename for f in parsed.files] == ["smime.p7m"]
    assert parsed.notes == ["signed"]


def test_an_encrypted_mail_is_not_opened() -> None:
    parsed = parse_mail(mail_with(ber_signed(INNER), smime_type="enveloped-data"))
    assert parsed.notes == ["encrypted"]
    assert [f.filename for f in parsed.files] == ["smime.p7m"]
    assert parsed.text == ""
