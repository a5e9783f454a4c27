"""Receipt photos: stored on disk under the data directory, addressed by their SHA-256.

Content addressing makes an upload idempotent (a phone that resends the same photo writes
nothing new) and keeps the database small. The type is decided by the file's first bytes, never
by its name or the header the phone sent."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from carecircle.circles.access import led_circles
from carecircle.people.access import carer_of

KINDS = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
]
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredReceipt:
    sha256: str
    content_type: str
    size: int
    path: Path

    @property
    def name_in_data(self) -> str:
        return str(self.path.relative_to(receipts_dir().parent))


def receipts_dir() -> Path:
    return Path(settings.DATA_DIR) / "receipts"


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in KINDS:
        if data.startswith(magic):
            return content_type, ext
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def receipt_path(sha256: str) -> StoredReceipt | None:
    """The stored receipt with this hash, or None."""
    if not SHA256.match(sha256 or ""):
        return None
    folder = receipts_dir() / sha256[:2]
    for _magic, content_type, ext in [*KINDS, (b"", "image/webp", "webp")]:
        path = folder / f"{sha256}.{ext}"
        if path.exists():
            return StoredReceipt(sha256, content_type, path.stat().st_size, path)
    return None


def receipt_store(*, actor, data: bytes) -> StoredReceipt:
    """Check and keep a receipt photo. Only people who record visits may upload."""
    if carer_of(actor) is None and not led_circles(actor).exists():
        raise PermissionDenied("Only carers and team leaders upload receipts.")
    limit = settings.VISITS_RECEIPT_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            {"file": f"The receipt is too large: at most {limit // (1024 * 1024)} MB."}
        )
    if not data:
        raise ValidationError({"file": "The file is empty."})
    kind = sniff(data)
    if kind is None:
        raise ValidationError({"file": "A receipt must be a JPEG, PNG or WebP photo, or a PDF."})
    content_type, ext = kind
    sha256 = hashlib.sha256(data).hexdigest()
    held = receipt_path(sha256)
    if held is not None:
        return held
    folder = receipts_dir() / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{sha256}.{ext}"
    # Write then rename, so a reader (or a crash) never sees half a file under the final name.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredReceipt(sha256, content_type, len(data), final)
