"""The font embedded in certificates: one family that covers Arabic and Latin alike.

DejaVu Sans has Arabic (with the contextual forms HarfBuzz shapes into) and Latin, so a name
mixing both scripts is one font, one line. On Debian it is ``fonts-dejavu-core``, which
.ci/run installs; ``CERTIFICATE_FONT_DIR`` points elsewhere (a directory holding
DejaVuSans.ttf and DejaVuSans-Bold.ttf).
"""

from __future__ import annotations

import os
from pathlib import Path

REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
SEARCH = (
    "/usr/share/fonts/truetype/dejavu",  # Debian and Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
)


class FontMissingError(RuntimeError):
    """No font to write Arabic with: a certificate would be empty boxes, so none is made."""


def font_files() -> tuple[Path, Path]:
    """(regular, bold) font files; raises FontMissingError naming the package to install."""
    folders = [os.environ["CERTIFICATE_FONT_DIR"]] if os.environ.get("CERTIFICATE_FONT_DIR") else []
    for folder in (*folders, *SEARCH):
        regular, bold = Path(folder) / REGULAR, Path(folder) / BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise FontMissingError(
        "DejaVu Sans not found: install fonts-dejavu-core (apt-get install fonts-dejavu-core) "
        "or set CERTIFICATE_FONT_DIR"
    )
