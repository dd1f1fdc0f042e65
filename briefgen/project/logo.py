"""A theme's logo, read at the trust boundary and handed on as one clean PNG.

A logo file is untrusted input: its format is told by its content, never by its
name (PNG and JPEG only); its size is read from its header and capped before any
pixel is decoded; and it is decoded once, into RGB or RGBA without colour profile
or metadata, and written again as a PNG of a fixed resolution.  The renderers only
ever see that PNG, so nothing a logo file holds can reach python-docx or ReportLab.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import BriefgenError
from ..files import read_bounded

MAX_BYTES = 10_000_000
MAX_PIXELS = 25_000_000
MAX_SIDE = 10_000
LARGEST_KEPT_SIDE = 2400       # pixels: 8 inches at the resolution below, more than a page
DPI = 300
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
OTHER_FORMATS = {b"GIF8": "a GIF", b"RIFF": "a RIFF (WebP?)", b"\x00\x00\x01\x00": "an ICO",
                 b"BM": "a BMP", b"II*\x00": "a TIFF", b"MM\x00*": "a TIFF", b"%PDF": "a PDF",
                 b"<svg": "an SVG", b"<?xml": "an XML (SVG?)", b"8BPS": "a Photoshop",
                 b"\x00\x00\x00\x0cjP": "a JPEG 2000"}


@dataclass(frozen=True)
class Logo:
    """A logo as the renderers get it: a normalised PNG and its size in pixels."""

    path: Path
    png: bytes
    width: int
    height: int

    def drawn_width_mm(self, height_mm: float) -> float:
        return height_mm * self.width / self.height


class LogoProblem(ValueError):
    """Why a file cannot be a logo: one line naming it."""


def read_logo(path: Path) -> Logo:
    """The logo at ``path`` (already confined to its project), normalised; ``LogoProblem``
    if it cannot be one."""
    try:
        data = read_bounded(path, MAX_BYTES, limit_name="the size of a logo file")
    except BriefgenError as error:
        raise LogoProblem(f"found the logo {path.name}, which cannot be used: "
                          f"{error.problems[0].message}") from None
    kind = _format(data, path)
    with _opened(data, kind, path) as image:
        clean = _normalised(image, path)
    return Logo(path, _png(clean), *clean.size)


def _format(data: bytes, path: Path) -> str:
    """PNG or JPEG, by the file's first bytes."""
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            return kind
    found = next((name for magic, name in OTHER_FORMATS.items() if data.startswith(magic)),
                 "not an image")
    what = found if found == "not an image" else f"{found} image"
    raise LogoProblem(f"found the logo {path.name}, which by its content is {what}; "
                      "expected a PNG or JPEG file")


def _opened(data: bytes, kind: str, path: Path):
    """The image with only its header read, after its size passed the caps."""
    from PIL import Image  # only for themes with a logo: Pillow takes 25 ms to import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise _too_large(path, "more than Pillow would ever decode") from None
    except Exception as error:  # noqa: BLE001 - Pillow's errors for a broken header vary
        raise _unreadable(path, kind, error, header=True) from None
    width, height = image.size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        image.close()
        raise _too_large(path, f"{width} x {height} pixels")
    return image


def _normalised(image, path: Path):
    """Decoded once: upright, RGB or RGBA, no larger than needed."""
    from PIL import ImageOps

    try:
        _draft(image)
        image.load()
        return _shrunk(_plain_colours(ImageOps.exif_transpose(image)))
    except Exception as error:  # noqa: BLE001 - a damaged image fails in many ways
        raise _unreadable(path, image.format or "image", error, header=False) from None


def _png(image) -> bytes:
    """The same PNG for the same pixels: no colour profile, text or EXIF is carried on."""
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(DPI, DPI), compress_level=9)
    return buffer.getvalue()


def _draft(image) -> None:
    """A large JPEG decodes at a fraction of its size: less memory, same result."""
    if image.format == "JPEG" and max(image.size) > LARGEST_KEPT_SIDE:
        scale = LARGEST_KEPT_SIDE / max(image.size)
        image.draft(image.mode, (int(image.width * scale) + 1, int(image.height * scale) + 1))


def _plain_colours(image):
    """RGBA when the image has any transparency, else RGB; 16-bit grey scaled to 8 bits."""
    if image.mode.startswith("I"):
        image = image.convert("I").point(lambda value: value / 257).convert("L")
    transparent = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or \
        "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")


def _shrunk(image):
    from PIL import Image

    longest = max(image.size)
    if longest <= LARGEST_KEPT_SIDE:
        return image
    scale = LARGEST_KEPT_SIDE / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _too_large(path: Path, size: str) -> LogoProblem:
    return LogoProblem(f"found the logo {path.name} of {size}, expected at most "
                       f"{MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels a side")


def _unreadable(path: Path, kind: str, error: Exception, header: bool) -> LogoProblem:
    return LogoProblem(f"found the logo {path.name}, which is not a readable {kind} image "
                       f"({_what_is_wrong(error, header)})")


def _what_is_wrong(error: Exception, header: bool) -> str:
    """What is wrong with a damaged image, in words.  Pillow's own messages are never
    passed on: some hold the repr of the buffer it read from (``<_io.BytesIO object at
    0x...>``), which changes from run to run."""
    if isinstance(error, EOFError) or "truncated" in str(error).lower():
        return "the file ends before the image does"
    if isinstance(error, MemoryError):
        return "decoding it needs more memory than there is"
    return "its header is missing or damaged" if header else "its pixel data is damaged"
