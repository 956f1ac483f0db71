"""Pictures a peer chat passes on to or from Signal, made safe to pass on.

Signal hands over an attachment exactly as its sender's app made it, and signal-cli sends
one exactly as given, so a picture crossing between Telegram and Signal would carry its
metadata with it: the camera's EXIF (GPS position, device, time), XMP, comments, an ICC
profile naming the device, or, in an SVG, any text and links at all. So only JPEG, PNG and
WebP count as photos, and each is decoded and encoded afresh from its pixels alone, with
nothing else carried over (the EXIF orientation is applied to the pixels first, so the
picture still stands the right way up). Any other picture (SVG, HEIC, TIFF, BMP…) is kept
back like any other file, with the file's kind words (flows/peer/relay_policy.py).
"""

import io
import logging
from dataclasses import dataclass

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

# Content types that are photos, and the format each must really be.
PHOTO_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_TYPES = {fmt: content_type for content_type, fmt in PHOTO_FORMATS.items()}
# Larger than any phone camera's picture; past it, decoding could take a lot of memory.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    data: bytes
    content_type: str


def is_photo_type(content_type: str) -> bool:
    """Whether a content type ("image/jpeg; …") names a picture passed on as a photo."""
    return content_type.lower().split(";", 1)[0].strip() in PHOTO_FORMATS


def clean_photo(data: bytes) -> CleanPhoto | None:
    """The picture in `data` encoded afresh from its pixels alone, in its own format; None
    if it is not a JPEG, PNG or WebP picture that decodes. CPU work: run it in a thread."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            fmt = opened.format
            if fmt not in _TYPES:
                log.info("photo_refused format=%s", fmt)
                return None
            if opened.width * opened.height > MAX_PIXELS:
                log.info("photo_refused reason=too_many_pixels")
                return None
            upright = ImageOps.exif_transpose(opened)
            mode = "RGBA" if _has_alpha(upright) and fmt != "JPEG" else "RGB"
            pixels = upright.convert(mode)
            # A new image from the raw pixels: no `info` (EXIF, XMP, ICC, text) comes along.
            bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        log.info("photo_refused reason=%s", type(error).__name__)
        return None
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, "JPEG", quality=JPEG_QUALITY)
    elif fmt == "WEBP":
        bare.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        bare.save(out, "PNG", optimize=True)
    return CleanPhoto(out.getvalue(), _TYPES[fmt])


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
