"""Real pictures for tests, carrying the metadata a camera or an editor leaves in them."""

import io

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
DESCRIPTION = 0x010E
ORIENTATION = 0x0112


def camera_jpeg(description: str, size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG as a phone's camera saves it: EXIF with a GPS position, a description, and
    an orientation (turned a quarter), so its upright size is `size` the other way round."""
    exif = Image.Exif()
    exif[DESCRIPTION] = description
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def annotated_png(text: str, size: tuple[int, int] = (12, 10)) -> bytes:
    """A PNG with a text chunk, as editors write their own notes (and EXIF) into one."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", text)
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


# What every re-encoded picture says of itself: its resolution, nothing about anyone.
_HARMLESS = {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density"}


def metadata_of(data: bytes) -> tuple[str | None, dict[int, object], dict[str, object]]:
    """A picture's format, EXIF and other info (text chunks, ICC, XMP…)."""
    with Image.open(io.BytesIO(data)) as image:
        info = {str(k): v for k, v in image.info.items() if k not in _HARMLESS}
        return image.format, dict(image.getexif()), info


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<text>meet me at 12 Harbour Lane</text></svg>"
)
