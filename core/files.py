"""What an uploaded file really is, from its first bytes, whatever its name or the browser said."""

# Accepted attachments: the extension and the type its bytes must show.
ATTACHMENT_KINDS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic", ".heif": "image/heic",
}


def sniff_content_type(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif", b"hevc"):
        return "image/heic"
    return ""


def attachment_type(upload) -> str:
    """The content type of an acceptable attachment, or "" when the name and bytes disagree."""
    name = (upload.name or "").lower()
    extension = name[name.rfind("."):] if "." in name else ""
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_content_type(head)
    return sniffed if sniffed and ATTACHMENT_KINDS.get(extension) == sniffed else ""
